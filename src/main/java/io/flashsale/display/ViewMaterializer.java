package io.flashsale.display;

import io.vertx.core.Future;

/** Builds a view from PostgreSQL and stores it in Redis (if newer): the projector's, warmup's and a miss's path. */
public final class ViewMaterializer {

  private final ViewBuilder builder;
  private final ViewStore store;

  public ViewMaterializer(ViewBuilder builder, ViewStore store) {
    this.builder = builder;
    this.store = store;
  }

  /** The freshly built view (also when Redis already held that version), or {@code null} if it does not exist. */
  public Future<View> materialize(ViewKind kind, String id) {
    return builder.build(kind, id).compose(view -> view == null ? Future.succeededFuture(null)
        : store.put(view).map(view));
  }

  public ViewBuilder builder() {
    return builder;
  }

  public ViewStore store() {
    return store;
  }
}
