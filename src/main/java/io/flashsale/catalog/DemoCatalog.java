package io.flashsale.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generates a realistic, reproducible demo catalog: fashion products, their stock, one open sale, and users. */
public final class DemoCatalog {

  private static final String[] BRANDS = {"Musinsa Standard", "Covernat", "Thisisneverthat", "Mardi Mercredi",
      "Lee", "Nike", "Adidas", "New Balance", "Andersson Bell", "Kirsh", "Marithe", "Ader Error", "Wooyoungmi",
      "Solid Homme", "Gentle Monster", "Polo Ralph Lauren", "Carhartt WIP", "Stussy"};
  private static final String[][] CATEGORIES = {
      {"Outerwear", "Padded Jacket", "Wool Coat", "Fleece Zip-up", "Trucker Jacket", "Down Parka"},
      {"Tops", "Oversized Tee", "Knit Sweater", "Hoodie", "Oxford Shirt", "Sweatshirt"},
      {"Bottoms", "Wide Denim", "Cargo Pants", "Chino Trousers", "Sweatpants", "Pleated Slacks"},
      {"Shoes", "Leather Sneakers", "Running Shoes", "Chelsea Boots", "Loafers", "Canvas High-tops"},
      {"Bags", "Nylon Backpack", "Leather Tote", "Crossbody Bag", "Duffel Bag", "Mini Shoulder Bag"},
      {"Accessories", "Ball Cap", "Wool Beanie", "Cashmere Muffler", "Leather Belt", "Sunglasses"},
      {"Dresses", "Knit Dress", "Shirt Dress", "Slip Dress", "Pleated Skirt", "Tweed Skirt"},
      {"Sportswear", "Track Jacket", "Training Shorts", "Windbreaker", "Leggings", "Sports Bra"}};
  private static final String[] ADJECTIVES = {"Classic", "Heavyweight", "Relaxed", "Cropped", "Vintage-wash",
      "Essential", "Signature", "Washed", "Boxy", "Slim", "Premium", "Everyday", "Recycled", "Tech", "Heritage"};
  private static final String[] COLOURS = {"Black", "Ivory", "Charcoal", "Navy", "Oatmeal", "Olive", "Burgundy",
      "Sky Blue", "Grey Melange", "Camel"};
  private static final String[] GRADES = {"BASIC", "BASIC", "BASIC", "SILVER", "SILVER", "GOLD", "PLATINUM"};

  /** One generated product: what the admin API would receive, plus its stock and its sale terms. */
  public record Entry(Product product, long stock, long salePrice, int limitPerUser) {
  }

  private DemoCatalog() {
  }

  public static List<Entry> products(int count, long seed) {
    Random rnd = new Random(seed);
    List<Entry> out = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      String brand = BRANDS[rnd.nextInt(BRANDS.length)];
      String[] cat = CATEGORIES[rnd.nextInt(CATEGORIES.length)];
      String item = cat[1 + rnd.nextInt(cat.length - 1)];
      String name = ADJECTIVES[rnd.nextInt(ADJECTIVES.length)] + " " + item + " (" + COLOURS[rnd.nextInt(COLOURS.length)] + ")";
      long price = roundTo(19_000 + (long) (Math.pow(rnd.nextDouble(), 2) * 370_000), 1_000) - 100 * (rnd.nextInt(2) * 10);
      int discount = 10 + 5 * rnd.nextInt(13);
      long salePrice = roundTo(price * (100 - discount) / 100, 100);
      long stock = rnd.nextInt(10) == 0 ? 0 : 20 + rnd.nextInt(481);
      String id = String.format("p%05d", i);
      String slug = item.toLowerCase().replaceAll("[^a-z]+", "-");
      Product product = new Product(id, name, brand, cat[0], price,
          "https://img.flashsale.example/" + slug + "/" + id + ".jpg", 0);
      out.add(new Entry(product, stock, salePrice, 1 + rnd.nextInt(3)));
    }
    return out;
  }

  /** The demo sale: open from an hour ago for a week, every product in it. */
  public static SaleEvent demoEvent(String eventId, List<Entry> entries, Instant now) {
    List<SaleEvent.Item> items = entries.stream()
        .map(e -> new SaleEvent.Item(e.product().productId(), e.salePrice(), e.limitPerUser())).toList();
    return new SaleEvent(eventId, "Flashsale Demo Week — up to 70% off", now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(7)), items, 0, null);
  }

  /** Event {@code index} (0-based) of a multi-event seed: the first open now, the others opening hour by hour. */
  public static SaleEvent event(String eventId, int index, List<Entry> entries, Instant now) {
    if (index == 0) {
      return demoEvent(eventId, entries, now);
    }
    List<SaleEvent.Item> items = entries.stream()
        .map(e -> new SaleEvent.Item(e.product().productId(), e.salePrice(), e.limitPerUser())).toList();
    Instant starts = now.plus(Duration.ofHours(index));
    return new SaleEvent(eventId, "Flashsale Drop #" + (index + 1), starts, starts.plus(Duration.ofDays(1)), items, 0, null);
  }

  /** The brands and categories a generated catalog uses (coupon targets pick from them). */
  public static List<String> brands() {
    return List.of(BRANDS);
  }

  public static List<String> categories() {
    List<String> out = new ArrayList<>();
    for (String[] c : CATEGORIES) {
      out.add(c[0]);
    }
    return out;
  }

  public static String gradeOf(int userIndex, long seed) {
    return GRADES[new Random(seed * 31 + userIndex).nextInt(GRADES.length)];
  }

  private static long roundTo(long value, long unit) {
    return Math.max(unit, Math.round((double) value / unit) * unit);
  }
}
