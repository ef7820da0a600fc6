package io.flashsale.display;

import io.vertx.core.buffer.Buffer;

/** One built view: its Redis key, its version (monotonic per view) and its JSON bytes. */
public record View(String key, long version, Buffer json) {
}
