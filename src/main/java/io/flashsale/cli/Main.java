package io.flashsale.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flashsale} command line: {@code java -jar target/flashsale.jar <command> --help}. */
@Command(name = "flashsale", mixinStandardHelpOptions = true, version = "flashsale 0.1.0",
    description = "A reactive flash-sale backend on Vert.x 5.",
    subcommands = {ServeCommand.class, MigrateCommand.class, SeedCommand.class, WarmupCommand.class, StockCommand.class, CouponsCommand.class, DlqCommand.class, BenchCommand.class,
        TokenCommand.class, SolveCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    try {
      String format = System.getenv("FLASHSALE_LOG_FORMAT");
      io.flashsale.infra.LogFields.checkFormat(format);
      if ("json".equals(format) && System.getProperty("logback.configurationFile") == null) {
        // Before the first logger exists: logback reads this once, at its start.
        System.setProperty("logback.configurationFile", "logback-json.xml");
      }
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
    int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    if (code != 0 || !ServeCommand.serving()) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
