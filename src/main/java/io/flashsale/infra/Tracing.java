package io.flashsale.infra;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.zipkin.ZipkinSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Future;
import zipkin2.reporter.urlconnection.URLConnectionSender;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Distributed tracing (off unless {@code tracing.enabled}): one OpenTelemetry SDK per process, exporting to Zipkin or
 * to any OTLP/HTTP collector. Vert.x gets it (its HTTP, event-bus, PostgreSQL, Redis and Kafka clients trace by
 * themselves), and so do the app's own spans: saga steps, outbox rows that carry their transaction's context to Kafka,
 * and the consumers that join the order's trace from the record's {@code traceparent} header. Off, every call here is
 * a no-op.
 */
public final class Tracing {

  /** The W3C header a traced record or outbox row carries. */
  public static final String TRACEPARENT = "traceparent";

  private static final String SCOPE = "io.flashsale";

  /** What {@code tracing.*} says. */
  public record Settings(boolean enabled, String exporter, String endpoint, double sampleRatio, String serviceName) {

    public static Settings from(AppConfig config) {
      String exporter = config.string("tracing.exporter");
      if (!exporter.equals("zipkin") && !exporter.equals("otlp")) {
        throw new IllegalArgumentException("tracing.exporter (FLASHSALE_TRACING_EXPORTER) must be zipkin or otlp, got '"
            + exporter + "'");
      }
      double ratio = Double.parseDouble(config.string("tracing.sampleRatio"));
      if (!(ratio >= 0 && ratio <= 1)) {
        throw new IllegalArgumentException("tracing.sampleRatio (FLASHSALE_TRACING_SAMPLE_RATIO) must be within 0..1");
      }
      String endpoint = config.string("tracing.endpoint");
      if (endpoint.isBlank()) {
        endpoint = exporter.equals("zipkin") ? "http://127.0.0.1:9411/api/v2/spans" : "http://127.0.0.1:4318/v1/traces";
      }
      return new Settings(config.bool("tracing.enabled"), exporter, endpoint, ratio,
          config.string("tracing.serviceName"));
    }
  }

  private static volatile OpenTelemetry current = OpenTelemetry.noop();
  private static volatile OpenTelemetrySdk sdk;

  private Tracing() {
  }

  /** Builds and installs this process's SDK; answers it for Vert.x's tracer, or {@code null} when tracing is off. */
  public static synchronized OpenTelemetry start(Settings settings) {
    stop();
    if (!settings.enabled()) {
      return null;
    }
    SpanExporter exporter = settings.exporter().equals("zipkin")
        ? ZipkinSpanExporter.builder().setSender(URLConnectionSender.create(settings.endpoint())).build()
        : OtlpHttpSpanExporter.builder().setEndpoint(settings.endpoint()).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), settings.serviceName()))))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
        // Bounded: a slow or absent trace backend drops spans, it never holds requests or memory.
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(500))
            .setMaxQueueSize(8192).setExporterTimeout(Duration.ofSeconds(5)).build())
        .build();
    sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    current = sdk;
    return sdk;
  }

  /** Flushes what is buffered (a few seconds at most) and goes back to no tracing. */
  public static synchronized void stop() {
    OpenTelemetrySdk s = sdk;
    sdk = null;
    current = OpenTelemetry.noop();
    if (s != null) {
      s.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
      s.close();
    }
  }

  private static Tracer tracer() {
    return current.getTracer(SCOPE);
  }

  /**
   * Runs one step as a span, child of whatever is current. {@code body} runs on a duplicate of the caller's Vert.x
   * context that holds the span, so every call the step makes — after its own asynchronous hops too (a pooled
   * connection, a composed continuation) — is the span's child; the span ends when the step's future does, and the
   * caller continues on its own context.
   */
  public static <T> Future<T> step(String name, Supplier<Future<T>> body) {
    if (current == OpenTelemetry.noop()) {
      return body.get();
    }
    return run(tracer().spanBuilder(name).startSpan(), body);
  }

  /** Names the current span's subject (an order id, say) so a trace can be found by it in the trace UI. */
  public static void tag(String key, String value) {
    if (current != OpenTelemetry.noop()) {
      Span.current().setAttribute(key, value);
    }
  }

  /** The current context as a {@code traceparent} value, or {@code null} (tracing off, or nothing sampled). */
  public static String traceparent() {
    if (current == OpenTelemetry.noop() || !Span.current().getSpanContext().isValid()) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>(2);
    current.getPropagators().getTextMapPropagator().inject(Context.current(), carrier, Map::put);
    return carrier.get(TRACEPARENT);
  }

  /** Runs {@code body} with the context {@code traceparent} names current (the relay sends a row's record in it). */
  public static <T> T within(String traceparent, Supplier<T> body) {
    if (traceparent == null || current == OpenTelemetry.noop()) {
      return body.get();
    }
    try (Scope ignored = parent(traceparent).makeCurrent()) {
      return body.get();
    }
  }

  /**
   * A consumer's span for each record of a batch that carries a {@code traceparent} header, child of that context:
   * {@code body}'s own calls become children of the first one, and all of them end when {@code body}'s future does.
   * Records without the header (tracing off where they were written, or not sampled) get none.
   */
  public static <T> Future<T> consume(String name, String topic, List<String> traceparents, Supplier<Future<T>> body) {
    if (current == OpenTelemetry.noop() || traceparents.stream().allMatch(java.util.Objects::isNull)) {
      return body.get();
    }
    List<Span> spans = new ArrayList<>();
    for (String t : traceparents) {
      if (t != null) {
        spans.add(tracer().spanBuilder(name).setParent(parent(t)).setSpanKind(SpanKind.CONSUMER)
            .setAttribute("messaging.system", "kafka").setAttribute("messaging.destination.name", topic)
            .setAttribute("messaging.batch.message_count", traceparents.size()).startSpan());
      }
    }
    return run(spans.get(0), body).andThen(ar -> spans.subList(1, spans.size()).forEach(span -> end(span, ar)));
  }

  /** {@code body} on its own duplicated context holding {@code span}; the span ends with its future. */
  private static <T> Future<T> run(Span span, Supplier<Future<T>> body) {
    io.vertx.core.internal.ContextInternal caller = io.vertx.core.internal.ContextInternal.current();
    if (caller == null) {
      return runHere(span, body);
    }
    io.vertx.core.internal.ContextInternal own = caller.duplicate();
    // Never detached: this duplicate lives only as long as the step's own continuations.
    io.vertx.tracing.opentelemetry.VertxContextStorageProvider.VertxContextStorage.INSTANCE.attach(own,
        Context.current().with(span));
    io.vertx.core.internal.PromiseInternal<T> back = caller.promise();
    // dispatch runs here, now: a body that throws throws to our caller, exactly as without tracing.
    RuntimeException[] thrown = new RuntimeException[1];
    own.dispatch(() -> {
      try {
        runHere(span, body).onComplete(back);
      } catch (RuntimeException e) {
        thrown[0] = e;
      }
    });
    if (thrown[0] != null) {
      throw thrown[0];
    }
    return back.future();
  }

  /** Off any Vert.x context (a CLI, a test's main thread): current only while {@code body} runs synchronously. */
  private static <T> Future<T> runHere(Span span, Supplier<Future<T>> body) {
    Future<T> f;
    try (Scope ignored = span.makeCurrent()) {
      f = body.get();
    } catch (RuntimeException e) {
      span.recordException(e).setStatus(StatusCode.ERROR).end();
      throw e;
    }
    return f.andThen(ar -> end(span, ar));
  }

  private static void end(Span span, io.vertx.core.AsyncResult<?> outcome) {
    if (outcome.failed()) {
      span.recordException(outcome.cause()).setStatus(StatusCode.ERROR, String.valueOf(outcome.cause().getMessage()));
    }
    span.end();
  }

  private static Context parent(String traceparent) {
    return current.getPropagators().getTextMapPropagator().extract(Context.root(), traceparent, GETTER);
  }

  private static final TextMapGetter<String> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(String carrier) {
      return List.of(TRACEPARENT);
    }

    @Override
    public String get(String carrier, String key) {
      return TRACEPARENT.equals(key) ? carrier : null;
    }
  };
}
