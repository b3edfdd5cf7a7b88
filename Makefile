.PHONY: run run-scaled test install
install:
	bash scripts/bootstrap.sh

run: install
	bash scripts/run.sh

run-scaled: install
	bash scripts/run-scaled.sh

test: install
	bash scripts/test.sh
