package io.flashsale.infra;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("FLASHSALE_LOG_FORMAT=json")
class JsonLogTest {

  @Test
  @DisplayName("writes one JSON object per line with the message, the order id a line names and the trace it is in")
  void oneObjectPerLine() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    SdkTracerProvider tracing = SdkTracerProvider.builder().build();
    Span span = tracing.get("test").spanBuilder("request").startSpan();
    try {
      context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
      context.start();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(JsonLogTest.class.getClassLoader().getResource("logback-json.xml"));
      // The file's own appender's encoder, fed two events as a logger would feed it.
      @SuppressWarnings("unchecked")
      ch.qos.logback.core.encoder.Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
          ((ch.qos.logback.core.OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>) context
              .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("json")).getEncoder();
      ch.qos.logback.classic.Logger log = context.getLogger("io.flashsale.order.OrderSaga");
      assertThat(context.getLogger("org.apache.kafka").getLevel()).as("the shared levels (logback-levels.xml)")
          .isEqualTo(ch.qos.logback.classic.Level.WARN);
      try (Scope ignored = span.makeCurrent()) {
        out.write(encoder.encode(new ch.qos.logback.classic.spi.LoggingEvent(getClass().getName(), log,
            ch.qos.logback.classic.Level.WARN, "capture of order {} failed ({}); recovery will retry it", null,
            new Object[] {LogFields.orderId("o-1"), "timeout"})));
      }
      out.write(encoder.encode(new ch.qos.logback.classic.spi.LoggingEvent(getClass().getName(), log,
          ch.qos.logback.classic.Level.INFO, "outside any trace, for checkout {}", null,
          new Object[] {LogFields.checkoutId("co-9")})));
    } finally {
      context.stop();
      span.end();
      tracing.close();
    }
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines).hasSize(2);
    JsonObject first = new JsonObject(lines[0]);
    assertThat(first.getString("message")).isEqualTo("capture of order o-1 failed (timeout); recovery will retry it");
    assertThat(first.getString("level")).isEqualTo("WARN");
    assertThat(first.getString("orderId")).isEqualTo("o-1");
    assertThat(first.getString("trace_id")).isEqualTo(span.getSpanContext().getTraceId());
    assertThat(first.getString("span_id")).isEqualTo(span.getSpanContext().getSpanId());
    assertThat(first.getString("ts")).endsWith("Z");
    JsonObject second = new JsonObject(lines[1]);
    assertThat(second.getString("checkoutId")).isEqualTo("co-9");
    assertThat(second.containsKey("trace_id")).as("no trace outside a traced request").isFalse();
  }

  @Test
  @DisplayName("any other format than text or json is refused before the first log line")
  void unknownFormat() {
    LogFields.checkFormat(null);
    LogFields.checkFormat("text");
    LogFields.checkFormat("json");
    assertThatThrownBy(() -> LogFields.checkFormat("xml")).hasMessageContaining("text or json");
  }
}
