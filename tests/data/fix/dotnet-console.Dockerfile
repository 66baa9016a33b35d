# Builder on the TARGET platform with a hard-coded RID: restore/publish run
# under QEMU for non-native targets (unsupported by .NET, can hang:
# dotnet/dotnet-docker#5355) and `-r linux-x64` yields x64 output for every
# target. Better: --platform=$BUILDPLATFORM, ARG TARGETARCH, -a $TARGETARCH.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY hello.csproj ./
ARG TARGETARCH
RUN dotnet restore -a $TARGETARCH
COPY Program.cs ./
RUN dotnet publish -c Release -a $TARGETARCH --no-restore --self-contained false -o /out

FROM mcr.microsoft.com/dotnet/runtime:8.0
WORKDIR /app
COPY --from=build /out ./
ENTRYPOINT ["dotnet", "hello.dll"]
