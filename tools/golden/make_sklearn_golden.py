#!/usr/bin/python3
"""Makes tests/golden/sklearn_metrics.json: fixed cases and scikit-learn's values for every
metric in src/strata/metrics/scores.h (Debian's python3-sklearn). The cases include tied
scores, unbalanced classes, a class never predicted, a class absent from y_true and
multi-class ROC AUC. Run from the repository root:
  /usr/bin/python3 tools/golden/make_sklearn_golden.py
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn import metrics as m

warnings.simplefilter("ignore")  # zero-division warnings are part of the cases
rng = np.random.default_rng(7)


def classification_case(name, y_true, y_pred, k):
    labels = list(range(k))
    case = {"name": name, "classes": k, "y_true": y_true, "y_pred": y_pred,
            "accuracy": m.accuracy_score(y_true, y_pred),
            "confusion": m.confusion_matrix(y_true, y_pred, labels=labels).tolist()}
    for avg in ["macro", "micro", "weighted"]:
        p, r, f, _ = m.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg, zero_division=0)
        case[avg] = [p, r, f]
    p, r, f, _ = m.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    case["per_class"] = [[float(a), float(b), float(c)] for a, b, c in zip(p, r, f)]
    p, r, f, _ = m.precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=1, average="binary"
                                                   if k == 2 else "macro", zero_division=0)
    if k == 2:
        case["binary"] = [p, r, f]
    return case


def binary_scores_case(name, y_true, scores):
    fpr, tpr, _ = m.roc_curve(y_true, scores, drop_intermediate=False)
    precision, recall, _ = m.precision_recall_curve(y_true, scores)
    return {"name": name, "y_true": y_true, "scores": scores, "roc_auc": m.roc_auc_score(y_true, scores),
            "fpr": fpr.tolist(), "tpr": tpr.tolist(), "precision": precision.tolist(), "recall": recall.tolist(),
            "average_precision": m.average_precision_score(y_true, scores)}


def multiclass_scores_case(name, y_true, probabilities):
    k = len(probabilities[0])
    return {"name": name, "y_true": y_true, "probabilities": probabilities,
            "roc_auc_ovr": m.roc_auc_score(y_true, probabilities, multi_class="ovr", average="macro"),
            "log_loss": m.log_loss(y_true, np.array(probabilities, dtype=np.float64), labels=list(range(k))),
            "top_1": m.top_k_accuracy_score(y_true, probabilities, k=1, labels=list(range(k))),
            "top_2": m.top_k_accuracy_score(y_true, probabilities, k=2, labels=list(range(k)))}


def regression_case(name, y_true, y_pred):
    return {"name": name, "y_true": y_true, "y_pred": y_pred, "mse": m.mean_squared_error(y_true, y_pred),
            "rmse": float(np.sqrt(m.mean_squared_error(y_true, y_pred))),
            "mae": m.mean_absolute_error(y_true, y_pred), "r2": m.r2_score(y_true, y_pred)}


def softmax_rows(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).round(6)


unbalanced_true = [0] * 12 + [1] * 5 + [2] * 2 + [3] * 1
unbalanced_pred = [0] * 10 + [1] * 2 + [1] * 3 + [0] * 2 + [0, 2] + [0]
probs = softmax_rows(rng.normal(size=(30, 4)) * 2)
probs[3] = [0.25, 0.25, 0.25, 0.25]  # a row of ties
probs[7] = [0.4, 0.4, 0.1, 0.1]
golden = {
    "generator": "tools/golden/make_sklearn_golden.py",
    "sklearn_version": sklearn.__version__,
    "classification": [
        classification_case("balanced_3", [0, 1, 2, 0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 1, 2, 1, 1, 2], 3),
        classification_case("unbalanced_class_never_predicted", unbalanced_true, unbalanced_pred, 4),
        classification_case("class_absent_from_truth", [0, 0, 1, 1, 1], [0, 2, 1, 1, 2], 3),
        classification_case("binary", [0, 1, 1, 0, 1, 1, 0, 0, 1, 1], [0, 1, 0, 0, 1, 1, 1, 0, 1, 0], 2),
    ],
    "binary_scores": [
        binary_scores_case("ties", [0, 0, 1, 1, 1, 0, 1, 0], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.1]),
        binary_scores_case("random_unbalanced", [int(v) for v in (rng.random(40) < 0.2)],
                           [round(float(v), 3) for v in rng.random(40)]),
        binary_scores_case("perfect", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
    ],
    "multiclass_scores": [
        multiclass_scores_case("four_classes_with_ties", [int(v) for v in rng.integers(0, 4, 30)], probs.tolist()),
    ],
    "regression": [
        regression_case("noisy", [float(v) for v in rng.normal(size=20).round(4)],
                        [float(v) for v in rng.normal(size=20).round(4)]),
        regression_case("constant_target_exact", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
        regression_case("constant_target_wrong", [2.0, 2.0, 2.0], [1.0, 2.0, 3.0]),
    ],
}
out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "sklearn_metrics.json"
out.write_text(json.dumps(golden, indent=None))
print(f"wrote {out} with scikit-learn {sklearn.__version__}")
