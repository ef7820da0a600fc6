package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A Lua script from {@code src/main/resources/lua/}, run by EVALSHA with a fallback to EVAL when Redis lost it. */
public final class LuaScript {

  private final String source;
  private final String sha1;

  private LuaScript(String source) {
    this.source = source;
    this.sha1 = sha1(source);
  }

  /** Loads {@code lua/<name>}; a line {@code --@include other.lua} is replaced by that file (shared helpers). */
  public static LuaScript load(String name) {
    StringBuilder out = new StringBuilder();
    for (String line : text(name).split("\n", -1)) {
      out.append(line.startsWith(INCLUDE) ? text(line.substring(INCLUDE.length()).trim()) : line).append('\n');
    }
    return new LuaScript(out.toString());
  }

  private static final String INCLUDE = "--@include ";

  private static String text(String name) {
    try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream("lua/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing Lua script lua/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the script; every key it touches is passed in {@code keys} (Redis Cluster needs that). */
  public Future<Response> run(Redis redis, List<String> keys, List<Object> args) {
    return run(redis::send, keys, args);
  }

  /** The same over any way of sending a command, e.g. a verticle's pipelined connections. */
  public Future<Response> run(Function<Request, Future<Response>> send, List<String> keys, List<Object> args) {
    return send.apply(request(Command.EVALSHA, sha1, keys, args)).recover(err -> {
      if (err.getMessage() != null && err.getMessage().startsWith("NOSCRIPT")) {
        return send.apply(request(Command.EVAL, source, keys, args));
      }
      return Future.failedFuture(err);
    });
  }

  /**
   * Runs the script once per call, all calls in one pipeline (one round trip); when Redis lost the script, loads it
   * and sends the pipeline again. All keys must share one hash tag (Redis Cluster).
   */
  public Future<List<Response>> runAll(Redis redis, List<List<String>> keys, List<List<Object>> args) {
    List<Request> calls = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      calls.add(request(Command.EVALSHA, sha1, keys.get(i), args.get(i)));
    }
    return redis.batch(calls).recover(err -> {
      if (err.getMessage() != null && err.getMessage().contains("NOSCRIPT")) {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).compose(x -> redis.batch(calls));
      }
      return Future.failedFuture(err);
    });
  }

  private static Request request(Command cmd, String script, List<String> keys, List<Object> args) {
    Request req = Request.cmd(cmd).arg(script).arg(keys.size());
    keys.forEach(req::arg);
    for (Object a : args) {
      if (a instanceof Buffer b) {
        req.arg(b);
      } else if (a instanceof Long l) {
        req.arg(l);
      } else if (a instanceof Integer i) {
        req.arg(i);
      } else {
        req.arg(String.valueOf(a));
      }
    }
    return req;
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
