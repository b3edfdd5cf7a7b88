.PHONY: run test install
install:
	bash scripts/bootstrap.sh

run: install
	bash scripts/run.sh

test: install
	bash scripts/test.sh
