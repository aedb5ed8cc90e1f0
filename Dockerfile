# syntax=docker/dockerfile:1
# One build, one small image per service: docker compose picks the stage with `target:`.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -ntp package -DskipTests -Dspotless.check.skip=true

FROM eclipse-temurin:17-jre AS java-base
RUN useradd --system --uid 10001 --home-dir /var/lib/gitfaas --create-home gitfaas
WORKDIR /var/lib/gitfaas

FROM java-base AS frontend
COPY --from=build /src/frontend/target/frontend-all.jar /app/frontend.jar
USER 10001
ENV FRONTEND_HOST=0.0.0.0 FRONTEND_PORT=8080
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/frontend.jar"]

FROM java-base AS observer
COPY --from=build /src/observer/target/observer-all.jar /app/observer.jar
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/observer.jar"]

FROM java-base AS injector
COPY --from=build /src/injector/target/injector-all.jar /app/injector.jar
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/injector.jar"]

# The local identity provider, for docker compose's dev profile and the dev Kubernetes overlay.
FROM java-base AS devidp
COPY --from=build /src/devidp/target/devidp-all.jar /app/devidp.jar
USER 10001
ENV DEV_IDP_HOST=0.0.0.0 DEV_IDP_PORT=4190
EXPOSE 4190
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/devidp.jar"]

# The worker builds and runs tasks with the toolchains of its image, inside bubblewrap: a JDK
# and Maven for Java tasks (with the Maven seed built in, so a user's first build downloads no
# plugin), cargo for Rust tasks.
FROM eclipse-temurin:17-jdk AS worker
RUN useradd --system --uid 10001 --home-dir /var/lib/gitfaas --create-home gitfaas
WORKDIR /var/lib/gitfaas
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap util-linux python3 python3-pip python3-seccomp nodejs npm ca-certificates maven cargo \
 && rm -rf /var/lib/apt/lists/*
COPY --from=golang:1.26 /usr/local/go /usr/local/go
COPY deploy/maven-seed /opt/gitfaas/maven-seed-recipe
RUN /opt/gitfaas/maven-seed-recipe/seed.sh /opt/gitfaas/maven-seed
COPY --from=build /src/worker/target/worker-all.jar /app/worker.jar
ENV GOROOT=/usr/local/go PATH=/usr/local/go/bin:$PATH MAVEN_SEED_DIR=/opt/gitfaas/maven-seed \
    WORKER_WORK_DIR=/var/lib/gitfaas/work WORKER_CACHE_DIR=/var/lib/gitfaas/cache
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/worker.jar"]
