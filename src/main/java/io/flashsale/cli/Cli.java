package io.flashsale.cli;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/** Small helpers shared by the CLI commands. */
final class Cli {

  private Cli() {
  }

  /** Closes a command's Vert.x instance; the command is exiting anyway, so a slow close is not an error. */
  static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
  }
}
