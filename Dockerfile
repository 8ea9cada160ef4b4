# Centrali Console: one container, SQLite and Data Protection keys in the /data volume.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so that a code change does not re-download packages.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Centrali.Console/Centrali.Console.csproj src/Centrali.Console/
# ReadyToRun needs the runtime identifier at restore: this machine's architecture (x64 or arm64).
RUN echo "linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')" > /rid \
    && dotnet restore src/Centrali.Console/Centrali.Console.csproj -r "$(cat /rid)" -p:PublishReadyToRun=true
# The whole tree: src/Centrali.Console/wwwroot and appsettings.json are git symlinks to ../../wwwroot and
# ../../appsettings.json, which COPY keeps as symlinks; they resolve because the root files come along.
COPY . .
RUN test -f src/Centrali.Console/wwwroot/app.css && test -f src/Centrali.Console/appsettings.json
# ReadyToRun: the app and its packages are precompiled, so a start (say, with a backlog to recover) spends far less
# CPU in the JIT. Framework-dependent: the runtime comes from the aspnet image.
RUN dotnet publish src/Centrali.Console/Centrali.Console.csproj -c Release -o /app --no-restore \
    -r "$(cat /rid)" --self-contained false -p:PublishReadyToRun=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl for the HEALTHCHECK only; the base image has neither curl nor wget.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# $APP_UID is the non-root "app" user that the .NET images ship.
RUN mkdir -p /data && chown "$APP_UID" /data
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    ConnectionStrings__Centrali="Data Source=/data/centrali.db" \
    Hangfire__DatabasePath=/data/hangfire.db
VOLUME /data
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz/ready || exit 1
ENTRYPOINT ["dotnet", "Centrali.Console.dll"]
