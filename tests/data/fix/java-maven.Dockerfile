# Builder on the TARGET platform: Maven and javac run under QEMU for
# non-native targets although the jar is arch-independent.
# Better: FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build.
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml ./
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package

FROM eclipse-temurin:21-jre
COPY --from=build /src/target/app.jar /opt/app/app.jar
ENTRYPOINT ["java", "-jar", "/opt/app/app.jar"]
