package io.flashsale.http;

import io.flashsale.ApiVerticle;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The contract document (GET /openapi.yaml)")
class OpenApiContractIT {

  @Test
  @DisplayName("is a valid OpenAPI 3 document to Vert.x's own parser, is what the app serves, and lists exactly the"
      + " routes the app serves")
  void validAndComplete() throws Exception {
    var file = TestInfra.repoRoot().resolve("src/main/resources/openapi.yaml");
    try (TestApp app = TestApp.start()) {
      HttpResponse<String> served = app.get("/openapi.yaml");
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.body()).isEqualTo(Files.readString(file));

      // Resolves every $ref and validates the document against the OpenAPI 3 schema: a broken document fails here.
      OpenAPIContract contract = OpenAPIContract.from(app.vertx(), file.toString()).await(30, TimeUnit.SECONDS);
      TreeSet<String> documented = new TreeSet<>();
      for (Operation op : contract.operations()) {
        documented.add(op.getHttpMethod().name() + " " + op.getOpenAPIPath());
      }
      JsonArray routes = (JsonArray) app.vertx().sharedData().getLocalMap(ApiVerticle.ROUTES_MAP)
          .get(ApiVerticle.ROUTES);
      TreeSet<String> served2 = new TreeSet<>();
      routes.forEach(r -> served2.add((String) r));

      TreeSet<String> undocumented = new TreeSet<>(served2);
      undocumented.removeAll(documented);
      TreeSet<String> unserved = new TreeSet<>(documented);
      unserved.removeAll(served2);
      assertThat(undocumented).as("routes the app serves that openapi.yaml does not list").isEmpty();
      assertThat(unserved).as("operations openapi.yaml lists that the app does not serve").isEmpty();
    }
  }
}
