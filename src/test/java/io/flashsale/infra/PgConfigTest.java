package io.flashsale.infra;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("How the app connects to PostgreSQL")
class PgConfigTest {

  @Test
  @DisplayName("Every connection keeps generic plans by default; auto leaves the choice to the server")
  void planCacheMode() {
    PgConfig byDefault = PgConfig.from(AppConfig.of(new JsonObject()));
    assertThat(byDefault.connectOptions().getProperties()).containsEntry("plan_cache_mode", "force_generic_plan");
    PgConfig auto = PgConfig.from(AppConfig.of(new JsonObject().put("pg.planCacheMode", "auto")));
    assertThat(auto.connectOptions().getProperties()).doesNotContainKey("plan_cache_mode");
  }

  @Test
  @DisplayName("Refuses a plan cache mode PostgreSQL does not know, naming the setting")
  void refusesABadMode() {
    assertThatThrownBy(() -> PgConfig.from(AppConfig.of(new JsonObject().put("pg.planCacheMode", "generic"))))
        .hasMessageContaining("pg.planCacheMode must be one of auto, force_generic_plan or force_custom_plan");
  }
}
