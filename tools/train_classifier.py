"""Train the shipped classifier model from the shipped corpus: `make train` (PROFILE=bornova).

Writes `civicdesk/routing/data/<profile>/model.json`, the model every deploy starts with; the weekly
retrain job (functions/retrain) runs the same trainer on the same corpus plus staff decisions. The
evaluation set is not read here: every choice (settings, temperature, threshold) comes from the
training corpus's own cross-validation.
"""

from __future__ import annotations

import argparse
import sys

from civicdesk.profile import model as profiles
from civicdesk.routing import corpus, training


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="bornova")
    args = parser.parse_args(argv)
    catalogue = profiles.load(args.profile).catalogue()
    examples = corpus.training(args.profile)
    trained = training.train(
        examples,
        catalogue,
        version=training.version_name(args.profile, examples),
        augment=training.typo_copies,
        meta={"source": "shipped corpus"},
    )
    summary = training.cross_validated(trained)
    model = trained.model.with_meta(summary)
    path = corpus.shipped_model_path(args.profile)
    path.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"{model.version}: {len(examples)} messages, {len(model.weights)} features, ", end="")
    print(f"{path.stat().st_size / 1e6:.2f} MB, trained in {trained.seconds:.0f} s")
    print(f"cross-validated on the training corpus: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
