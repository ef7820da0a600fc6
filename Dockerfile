# Builds and runs flashsale; used by compose.yaml where Docker is available.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY conf conf
COPY src src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/flashsale.jar /app/flashsale.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/flashsale.jar"]
CMD ["serve"]
