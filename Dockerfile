# syntax=docker/dockerfile:1
# The playbook image, for CI and schedulers:
#   docker build -t playbook .
#   docker run --rm playbook playbook run notebooks/latency-spike.ipynb -o /tmp/record.ipynb
# Build stage: the binary, laid out as a release archive is (dist/build-archive.sh).
# Runtime stage: the Rust toolchain cells are compiled with at run time, the binary and the
# cell library's source beside it (the binary finds it there: kernel/src/cells/library.rs),
# and the cell library prebuilt, so a run compiles only its own cells, offline.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
# CI=true as in install.sh and tests/run.sh (rust-analyzer's crates record it at build time).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    export CI=true \
 && cargo build --release --workspace --locked \
 && dist/build-archive.sh --binary target/release/playbook --out /dist \
 && mkdir -p /opt/playbook \
 && tar -xzf /dist/playbook-*.tar.gz -C /opt/playbook --strip-components=1

FROM rust:${RUST_VERSION}-slim-bookworm
# rust-src: completion and inspection of std items in a kernel (doctor checks it).
RUN rustup component add rust-src
COPY --from=build /opt/playbook /opt/playbook
ENV PATH=/opt/playbook/bin:$PATH \
    PLAYBOOK_CACHE=/var/cache/playbook
# The kernelspec (for a Jupyter added on top) and the prebuilt cell library; its crates are
# fetched into CARGO_HOME here, once.
RUN playbook install --prefix /opt/playbook
WORKDIR /playbooks
RUN cp -R /opt/playbook/share/playbook/notebooks /playbooks/notebooks
CMD ["playbook", "--help"]
