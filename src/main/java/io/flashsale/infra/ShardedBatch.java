package io.flashsale.infra;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Pipelines that must stay inside one hash tag (a Redis Cluster refuses a batch across slots): the calls are grouped
 * by tag, each group goes as one pipeline, and the answers come back in the callers' order.
 */
public final class ShardedBatch {

  private ShardedBatch() {
  }

  /**
   * {@code shardOf.get(i)} is call i's tag; {@code run} sends the calls at the given indexes as one pipeline and
   * answers in that order. One server (a single tag) costs one pipeline, as before. A failed group fails the whole
   * only once every group has answered: no caller retries while part of its work is still in flight.
   */
  public static <K, T> Future<List<T>> run(List<K> shardOf, Function<List<Integer>, Future<List<T>>> run) {
    Map<K, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < shardOf.size(); i++) {
      groups.computeIfAbsent(shardOf.get(i), k -> new ArrayList<>()).add(i);
    }
    if (groups.size() == 1) {
      return run.apply(groups.values().iterator().next());
    }
    Object[] out = new Object[shardOf.size()];
    List<Future<?>> each = new ArrayList<>(groups.size());
    for (List<Integer> indexes : groups.values()) {
      each.add(run.apply(indexes).onSuccess(answers -> {
        for (int j = 0; j < indexes.size(); j++) {
          out[indexes.get(j)] = answers.get(j);
        }
      }));
    }
    @SuppressWarnings("unchecked")
    Future<List<T>> all = Future.join(each).map(x -> (List<T>) Arrays.asList(out));
    return all;
  }
}
