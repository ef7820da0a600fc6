-- An event's waiting room (issue 15): its settings as the admin gave them, plus the operator's switches ("paused") and
-- the generation that "queue everyone" bumps; queue_version orders every change, so Redis only ever takes a newer one.
alter table events add column queue jsonb;
alter table events add column queue_version bigint not null default 0;
create index events_with_queue on events (ends_at) where queue_version > 0;
