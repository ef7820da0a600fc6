package io.flashsale.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reading of a JSON request body: every wrong type, missing field, out-of-range number or unknown field is a
 * 400 BAD_REQUEST naming the field, before anything is written.
 */
public final class JsonInput {

  /** API.md: ids are 1–64 characters of [A-Za-z0-9_-]. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** Largest amount of won we accept anywhere: far above any real price, far below overflow. */
  public static final long MAX_MONEY = 1_000_000_000_000L;

  private final JsonObject json;
  private final String path;

  private JsonInput(JsonObject json, String path) {
    this.json = json;
    this.path = path;
  }

  /** A path parameter that must be an id (1-64 of [A-Za-z0-9_-]); {@code what} names it in the 400. */
  public static String pathId(String value, String what) {
    if (value == null || !ID.matcher(value).matches()) {
      throw new ApiException(ErrorCode.BAD_REQUEST, what + " must be an id of 1-64 characters [A-Za-z0-9_-]",
          new JsonObject().put("field", what));
    }
    return value;
  }

  /** Parses a request body that must be one JSON object. */
  public static JsonInput parse(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new ApiException(ErrorCode.BAD_REQUEST, "request body must be a JSON object");
    }
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new ApiException(ErrorCode.BAD_REQUEST, "malformed JSON: " + firstLine(e.getMessage()));
    }
    if (!(value instanceof JsonObject obj)) {
      throw new ApiException(ErrorCode.BAD_REQUEST, "request body must be a JSON object");
    }
    return new JsonInput(obj, "");
  }

  public static JsonInput of(JsonObject json, String path) {
    return new JsonInput(json, path);
  }

  /** Rejects fields the endpoint does not know (typos would otherwise be silently ignored). */
  public JsonInput allowOnly(Set<String> fields) {
    for (String name : json.fieldNames()) {
      if (!fields.contains(name)) {
        throw ApiException.badRequest("unknown field '" + at(name) + "'", at(name));
      }
    }
    return this;
  }

  /** Whether the field is in the body at all, even as null. */
  public boolean present(String field) {
    return json.containsKey(field);
  }

  public boolean has(String field) {
    return json.containsKey(field) && json.getValue(field) != null;
  }

  public String string(String field, int maxLength) {
    Object v = require(field);
    if (!(v instanceof String s)) {
      throw ApiException.badRequest("'" + at(field) + "' must be a string", at(field));
    }
    if (s.isBlank()) {
      throw ApiException.badRequest("'" + at(field) + "' must not be blank", at(field));
    }
    if (s.length() > maxLength) {
      throw ApiException.badRequest("'" + at(field) + "' must be at most " + maxLength + " characters", at(field));
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        throw ApiException.badRequest("'" + at(field) + "' must not contain control characters", at(field));
      }
    }
    return s.strip();
  }

  public String optionalString(String field, int maxLength, String fallback) {
    if (!has(field)) {
      return fallback;
    }
    Object v = json.getValue(field);
    if (v instanceof String s && s.isEmpty()) {
      return "";
    }
    return string(field, maxLength);
  }

  public String id(String field) {
    Object v = require(field);
    if (!(v instanceof String s) || !ID.matcher(s).matches()) {
      throw ApiException.badRequest("'" + at(field) + "' must be an id of 1-64 characters [A-Za-z0-9_-]", at(field));
    }
    return s;
  }

  public long money(String field) {
    return longIn(field, 0, MAX_MONEY);
  }

  public long longIn(String field, long min, long max) {
    Object v = require(field);
    long n = integral(field, v);
    if (n < min || n > max) {
      throw ApiException.badRequest("'" + at(field) + "' must be between " + min + " and " + max, at(field));
    }
    return n;
  }

  public int intIn(String field, int min, int max) {
    return (int) longIn(field, min, max);
  }

  public boolean bool(String field) {
    Object v = require(field);
    if (!(v instanceof Boolean b)) {
      throw ApiException.badRequest("'" + at(field) + "' must be true or false", at(field));
    }
    return b;
  }

  public Instant instant(String field) {
    Object v = require(field);
    if (!(v instanceof String s)) {
      throw ApiException.badRequest("'" + at(field) + "' must be an ISO-8601 UTC time string", at(field));
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest("'" + at(field) + "' must be an ISO-8601 UTC time like 2026-11-27T00:00:00Z",
          at(field));
    }
  }

  public JsonArray array(String field, int minSize, int maxSize) {
    Object v = require(field);
    if (!(v instanceof JsonArray a)) {
      throw ApiException.badRequest("'" + at(field) + "' must be an array", at(field));
    }
    if (a.size() < minSize || a.size() > maxSize) {
      throw ApiException.badRequest("'" + at(field) + "' must hold " + minSize + " to " + maxSize + " entries",
          at(field));
    }
    return a;
  }

  /** A nested object field, read with the same strictness. */
  public JsonInput objectField(String field) {
    Object v = require(field);
    if (!(v instanceof JsonObject o)) {
      throw ApiException.badRequest("'" + at(field) + "' must be an object", at(field));
    }
    return new JsonInput(o, at(field) + ".");
  }

  public JsonInput object(JsonArray array, int index, String arrayField) {
    Object v = array.getValue(index);
    String where = at(arrayField) + "[" + index + "]";
    if (!(v instanceof JsonObject o)) {
      throw ApiException.badRequest("'" + where + "' must be an object", where);
    }
    return new JsonInput(o, where + ".");
  }

  public String at(String field) {
    return path + field;
  }

  private Object require(String field) {
    if (!has(field)) {
      throw ApiException.badRequest("'" + at(field) + "' is required", at(field));
    }
    return json.getValue(field);
  }

  private long integral(String field, Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger big) {
      throw ApiException.badRequest("'" + at(field) + "' is out of range: " + abbreviate(big.toString()), at(field));
    }
    if (v instanceof BigDecimal || v instanceof Double || v instanceof Float) {
      throw ApiException.badRequest("'" + at(field) + "' must be a whole number", at(field));
    }
    throw ApiException.badRequest("'" + at(field) + "' must be a number", at(field));
  }

  private static String abbreviate(String s) {
    return s.length() > 24 ? s.substring(0, 24) + "…" : s;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
