package io.flashsale.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Another flashsale app JVM for a bench (fresh near caches, other settings), stopped when the bench is done. */
public final class AppProcess implements AutoCloseable {

  private final Process process;
  private final int port;

  private AppProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts {@code java -jar <jar> serve} on {@code port} with the extra FLASHSALE_* settings; waits until it listens. */
  public static AppProcess start(Path jar, int port, Map<String, String> env, Path log) throws IOException,
      InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar.toString(), "serve", "--no-migrate", "--port",
        String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("FLASHSALE_PAYMENT_SIMULATOR_ENABLED", "false");
    pb.environment().putAll(env);
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!listening(port)) {
      if (!p.isAlive()) {
        throw new IOException("the app on :" + port + " exited during start; see " + log);
      }
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException("the app on :" + port + " did not start in 90 s; see " + log);
      }
      Thread.sleep(100);
    }
    return new AppProcess(p, port);
  }

  static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** kill -9: the process gets no chance to clean up. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

}
