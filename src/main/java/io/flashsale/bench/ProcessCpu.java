package io.flashsale.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time by process role, read from {@code /proc}: the app, PostgreSQL (every backend; a backend that exits is
 * counted through the postmaster's reaped-children time), Redis, the Kafka broker, and this process (the load
 * generator). Linux only; elsewhere every figure is 0.
 */
final class ProcessCpu {

  static final String APP = "app (flashsale serve)";
  static final String POSTGRES = "PostgreSQL (all backends)";
  static final String REDIS = "Redis";
  static final String KAFKA = "Kafka broker";
  static final String LOAD = "load generator";
  static final String OTHER = "everything else on the box";

  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ: 100 on every Linux we run on
  private static final long SELF = ProcessHandle.current().pid();

  private final Map<String, Double> seconds;
  private final double boxBusySeconds;

  private ProcessCpu(Map<String, Double> seconds, double boxBusySeconds) {
    this.seconds = seconds;
    this.boxBusySeconds = boxBusySeconds;
  }

  /** CPU seconds used so far by each role, and the whole box's busy time. */
  static ProcessCpu snapshot() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String role : new String[] {APP, POSTGRES, REDIS, KAFKA, LOAD}) {
      out.put(role, 0.0);
    }
    eachProcess((proc, role, stat) -> {
      double own = (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) / TICKS_PER_SECOND;
      double children = (Long.parseLong(stat[13]) + Long.parseLong(stat[14])) / TICKS_PER_SECOND;
      out.merge(role, own + (POSTGRES.equals(role) ? children : 0), Double::sum);
    });
    try {
      return new ProcessCpu(out, boxBusy());
    } catch (IOException e) {
      return new ProcessCpu(out, 0);
    }
  }

  /**
   * CPU seconds the app's JIT compiler threads have used so far: while they are busy the app is still warming up, and
   * its figures are not the steady state a long-running server has.
   */
  static double appCompilerSeconds() {
    double[] total = {0};
    eachProcess((proc, role, stat) -> {
      if (!APP.equals(role)) {
        return;
      }
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
        for (Path t : tasks) {
          String ts = Files.readString(t.resolve("stat"));
          if (ts.substring(ts.indexOf('(') + 1, ts.lastIndexOf(')')).contains("CompilerThre")) {
            String[] f = fields(ts);
            total[0] += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
          }
        }
      }
    });
    return total[0];
  }

  /** What to do with one process of a known role: its /proc folder and the fields of its stat after "(comm)". */
  private interface Visit {
    void accept(Path proc, String role, String[] stat) throws IOException;
  }

  /** Visits every process with a role; one that ends while we look is skipped. */
  private static void eachProcess(Visit visit) {
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
        .chars().allMatch(Character::isDigit))) {
      for (Path p : procs) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String role = role(Long.parseLong(p.getFileName().toString()),
              stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')), p);
          if (role != null) {
            visit.accept(p, role, fields(stat));
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      // not Linux: nothing to count
    }
  }

  /** The fields after "(comm)": state=0 ... utime=11 stime=12 cutime=13 cstime=14. */
  private static String[] fields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  private static String role(long pid, String comm, Path proc) throws IOException {
    if (pid == SELF) {
      return LOAD;
    }
    if (comm.equals("postgres") || comm.startsWith("postgres:")) {
      return POSTGRES;
    }
    if (comm.startsWith("redis-server")) {
      return REDIS;
    }
    if (comm.equals("java")) {
      String cmd = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
      if (cmd.contains("kafka.Kafka")) {
        return KAFKA;
      }
      if (cmd.contains("flashsale.jar") && cmd.contains(" serve")) {
        return APP;
      }
    }
    return null;
  }

  private static double boxBusy() throws IOException {
    String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long busy = 0;
    for (int i = 1; i < cpu.length; i++) {
      if (i != 4 && i != 5) { // idle, iowait
        busy += Long.parseLong(cpu[i]);
      }
    }
    return busy / TICKS_PER_SECOND;
  }

  /** CPU seconds per role between {@code before} and this snapshot, with "everything else" from the box's total. */
  Map<String, Double> since(ProcessCpu before) {
    Map<String, Double> d = new LinkedHashMap<>();
    double sum = 0;
    for (Map.Entry<String, Double> e : seconds.entrySet()) {
      double v = Math.max(0, e.getValue() - before.seconds.getOrDefault(e.getKey(), 0.0));
      d.put(e.getKey(), v);
      sum += v;
    }
    d.put(OTHER, Math.max(0, (boxBusySeconds - before.boxBusySeconds) - sum));
    return d;
  }
}
