package io.flashsale.infra;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import net.logstash.logback.composite.AbstractJsonProvider;

import java.io.IOException;

/**
 * Adds {@code trace_id} and {@code span_id} to a JSON log line written inside a traced request (the span that is
 * current on the Vert.x context when tracing is on), so a log line leads to its trace and back.
 */
public final class TraceLogFields extends AbstractJsonProvider<ILoggingEvent> {

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    SpanContext span = Span.current().getSpanContext();
    if (span.isValid()) {
      generator.writeStringField("trace_id", span.getTraceId());
      generator.writeStringField("span_id", span.getSpanId());
    }
  }
}
