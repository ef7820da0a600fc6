package io.flashsale.cli;

import io.flashsale.admission.Puzzle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code solve}: what a browser does before joining a waiting room — find the nonce of a puzzle (for humans and scripts). */
@Command(name = "solve", mixinStandardHelpOptions = true,
    description = "Solve a waiting room's puzzle: prints a nonce such that SHA-256(challenge + nonce) starts with"
        + " --bits zero bits. solve --challenge C --bits 16")
final class SolveCommand implements Callable<Integer> {

  @Option(names = "--challenge", required = true, description = "the challenge from GET /api/events/{id}/queue/challenge")
  String challenge;

  @Option(names = "--bits", required = true, description = "its bits (0-24)")
  int bits;

  @Override
  public Integer call() {
    if (bits < 0 || bits > 24 || challenge.isBlank()) {
      System.err.println("--bits must be 0..24 and --challenge non-empty");
      return 2;
    }
    long start = System.nanoTime();
    String nonce = Puzzle.solve(challenge, bits);
    System.out.println(nonce);
    System.err.printf("solved in %.0f ms%n", (System.nanoTime() - start) / 1e6);
    return 0;
  }
}
