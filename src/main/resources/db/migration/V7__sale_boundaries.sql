-- Time is an input of a view: when an event opens or closes, the views that show it change although nothing was
-- written. The boundary clock remembers up to when every start and end has been announced (one row; the instance that
-- holds its lock does the work, and after downtime it catches up from here).
create table boundary_clock (
  id          int primary key check (id = 1),
  announced_to timestamptz not null
);
insert into boundary_clock (id, announced_to) values (1, now());
create index events_starts_at on events (starts_at);
create index events_ends_at on events (ends_at);
