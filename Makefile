# gitfaas: `make run` starts the whole stack locally, `make test` runs every test.
SHELL := /bin/bash
TOOLS := $(HOME)/.cache/gitfaas/bin
export PATH := $(TOOLS):$(PATH)

.PHONY: run test bench bench-soak build install format clean up up-dev down

run:
	scripts/run-local.sh

test: install
	mvn -B -ntp install

bench: install
	scripts/bench.sh

# 1,000 tasks while the workers scale, then a 10-minute soak (SOAK_MINUTES): about 14 minutes.
bench-soak: install
	scripts/bench-soak.sh

build: install
	mvn -B -ntp -q package -DskipTests

install:
	@scripts/install.sh >/dev/null

format:
	mvn -B -ntp -q spotless:apply

clean:
	mvn -B -ntp -q clean
	rm -rf .run

up:
	@test -f .env || { echo "copy .env.example to .env and fill it in first" >&2; exit 1; }
	docker compose --profile google up -d --build

up-dev:
	@scripts/compose-dev-env.sh
	docker compose --env-file .env.dev up -d --build

down:
	docker compose $$(test -f .env || echo --env-file .env.dev) --profile google --profile dev down
