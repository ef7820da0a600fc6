-- Tracing (issue 17): an outbox row carries the W3C traceparent of the transaction that wrote it, so the Kafka record
-- the relay sends from it — and the consumers that read that record — join the request's trace. Null when tracing is
-- off or the request was not sampled.
alter table outbox add column traceparent text;
