"""Style: a classifier that judges, conditioned generation, style transfer, transfer learning.

    from musiclab import style
    classifier = style.load_classifier("runs/classifier/best.keras")
    style.classify(classifier, melodies)["region"]        # (n, 4): bach, chinese, european, irish
    moved = style.transfer_style(cvae, melodies, "chinese", source="irish")
    curve = style.learning_curve("runs/vae/best.keras", tunes, test_tokens)

Files: ``classifier`` (config, network, labelled crops, training), ``judge`` (its
verdicts, per tune and per crop, and recognition rates), ``transfer`` (moving melodies
between styles with a VAE), ``transfer_learning`` (fine-tuned vs from scratch), ``cli``.
The conditional VAE and the style-conditioned WaveNet live in their own families.
"""

from musiclab.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "REGIONS": "classifier:REGIONS", "DANCES": "classifier:DANCES",
    "StyleClassifierConfig": "classifier:StyleClassifierConfig",
    "build_style_classifier": "classifier:build_style_classifier",
    "load_classifier": "classifier:load_style_classifier",
    "load_style_classifier": "classifier:load_style_classifier",
    "classifier_config": "classifier:classifier_config",
    "labelled_tunes": "classifier:labelled_tunes", "crop_batch": "classifier:crop_batch",
    "train_style_classifier": "classifier:train_style_classifier",
    "train": "classifier:train_style_classifier",
    "classify": "judge:classify", "tune_crops": "judge:tune_crops",
    "crops_of_tunes": "judge:crops_of_tunes", "confusion_matrix": "judge:confusion_matrix",
    "balanced_accuracy": "judge:balanced_accuracy",
    "evaluate_style_classifier": "judge:evaluate_style_classifier",
    "tune_log_probabilities": "judge:tune_log_probabilities",
    "recognition_rates": "judge:recognition_rates",
    "transfer_style": "transfer:transfer_style",
    "contour_correlation": "transfer:contour_correlation",
    "sounding_pitch": "transfer:sounding_pitch", "style_gaussians": "transfer:style_gaussians",
    "conditioned_samples": "transfer:conditioned_samples",
    "measure_transfer": "transfer:measure_transfer",
    "learning_curve": "transfer_learning:learning_curve",
    "tune_windows": "transfer_learning:tune_windows",
    "teacher_forced_accuracy": "transfer_learning:teacher_forced_accuracy",
})
