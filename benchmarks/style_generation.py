"""Style-conditioned generation and style transfer, judged by the style classifier.

    python benchmarks/style_generation.py --classifier runs/style_classifier/best.keras \\
        --out runs/cvae --minutes 15

Trains (or resumes) a conditional melody VAE on the four regions' 2-bar windows,
then prints:

* how often its samples are recognised as the region they were asked for, per region;
* style transfer of held-out melodies to every other region, with the conditional
  VAE and with the shipped VAE moved along label vectors: the share recognised as
  the target (and the share of the originals already recognised as it), the
  contour correlation with the original, the share of changed steps.
"""

import argparse
import dataclasses
import json
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", required=True, help="a style classifier (.keras)")
    parser.add_argument("--out", required=True, help="run folder of the conditional VAE")
    parser.add_argument("--steps", type=int, default=20000, help="optimisation steps")
    parser.add_argument("--minutes", type=float, default=15.0, help="training time limit")
    parser.add_argument("--per-style", type=int, default=100, help="samples per region")
    parser.add_argument("--temperature", type=float, default=0.5, help="sampling temperature")
    parser.add_argument("--strength", type=float, default=1.0, help="transfer strength")
    parser.add_argument("--spread", type=float, default=0.7,
                        help="spread of the style Gaussians the codes are drawn from")
    parser.add_argument("--free-bits", type=float, default=None,
                        help="the VAE's free bits (default: the 2-bar model's); fewer bits "
                             "leave more of the style to the style input")
    parser.add_argument("--smoke", action="store_true", help="tiny model, a few steps")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    arguments = parser.parse_args()

    from musiclab.data import SPLIT, load_corpus
    from musiclab.data.splits import style_windows
    from musiclab.style import recognition_rates
    from musiclab.style.classifier import classifier_config, load_style_classifier
    from musiclab.style.transfer import conditioned_samples, measure_transfer, style_gaussians
    from musiclab.vae import generate as generation
    from musiclab.vae import latent
    from musiclab.vae.model import MelodyVAEConfig, load_vae
    from musiclab.vae.shipped import pretrained_vae
    from musiclab.vae.training import train_vae

    classifier = load_style_classifier(arguments.classifier)
    regions = classifier_config(arguments.classifier).regions
    config = (MelodyVAEConfig.smoke() if arguments.smoke else MelodyVAEConfig.default())
    config = dataclasses.replace(config, styles=tuple(regions))
    if arguments.free_bits is not None:
        config = dataclasses.replace(config, free_bits=arguments.free_bits)
    splits = load_corpus("all").split(**SPLIT)
    data = {name: style_windows(part, regions) for name, part in splits.items()}
    started = time.perf_counter()
    _, state = train_vae(config, data["train"][0], data["valid"][0],
                         steps=20 if arguments.smoke else arguments.steps, folder=arguments.out,
                         checkpoint_every=10 if arguments.smoke else 500,
                         train_styles=data["train"][1], valid_styles=data["valid"][1],
                         time_limit=arguments.minutes * 60)
    model = load_vae(f"{arguments.out}/best.keras")
    last = state["history"][-1]
    figures = {"training_seconds": round(last["seconds"]), "steps_done": state["steps_done"],
               "best_step": state.get("best_step"), "device": state.get("device"),
               "valid_accuracy": last.get("valid_accuracy"), "kl_bits": last.get("kl_bits"),
               "seconds_this_session": round(time.perf_counter() - started),
               "temperature": arguments.temperature, "regions": list(regions)}

    tokens, requested = conditioned_samples(model, regions, arguments.per_style,
                                            temperature=arguments.temperature, seed=0)
    figures["conditioned_prior"] = recognition_rates(classifier, tokens, requested, regions)
    train_tokens, train_styles = data["train"]
    train_names = np.asarray(regions)[train_styles]
    gaussians = style_gaussians(model, train_tokens, train_names)
    tokens, requested = conditioned_samples(model, regions, arguments.per_style,
                                            temperature=arguments.temperature, seed=0,
                                            gaussians=gaussians,
                                            spread=arguments.spread)
    figures["conditioned"] = recognition_rates(classifier, tokens, requested, regions)
    figures["spread"] = arguments.spread
    real = recognition_rates(classifier, data["test"][0], np.asarray(regions)[data["test"][1]],
                             regions)
    figures["real_test_windows"] = {**real, "mean_over_regions": float(np.mean(
        [real[name] for name in regions]))}

    test_tokens, test_styles = data["test"]
    rng = np.random.default_rng(0)
    chosen = np.concatenate([rng.permutation(np.flatnonzero(test_styles == index))[:25]
                             for index in range(len(regions))])
    melodies, sources = test_tokens[chosen], np.asarray(regions)[test_styles[chosen]]
    targets = np.array([[name for name in regions if name != source] for source in sources])
    melodies = np.repeat(melodies, len(regions) - 1, axis=0)
    sources = np.repeat(sources, len(regions) - 1)
    targets = targets.reshape(-1)
    figures["transfer_conditional"] = measure_transfer(
        model, classifier, melodies, sources, targets, regions, strength=arguments.strength)

    shipped = pretrained_vae()
    tokens, requested = conditioned_samples(
        shipped, regions, arguments.per_style, temperature=arguments.temperature, seed=0,
        gaussians=style_gaussians(shipped, train_tokens, train_names), spread=arguments.spread)
    figures["shipped_vae_style_gaussians"] = recognition_rates(classifier, tokens, requested,
                                                               regions)
    sample_rows = np.concatenate([rng.permutation(np.flatnonzero(train_styles == index))[:1000]
                                  for index in range(len(regions))])
    codes = generation.encode(shipped, train_tokens[sample_rows])
    vectors = latent.label_vectors(codes, np.asarray(regions)[train_styles[sample_rows]])
    figures["transfer_label_vectors"] = measure_transfer(
        shipped, classifier, melodies, sources, targets, regions, strength=arguments.strength,
        vectors=vectors)

    print(f"\nconditional VAE: {figures['steps_done']} steps in {figures['training_seconds']} s "
          f"on {figures['device']}; valid accuracy {figures['valid_accuracy']:.3f}, "
          f"KL {figures['kl_bits']:.1f} bits")
    print(f"samples recognised as the requested region ({arguments.per_style} per region, "
          f"temperature {arguments.temperature}); codes from:")
    print(f"  {'region':10s} {'N(0, I)':>8} {'style Gaussian':>15} "
          f"{'shipped VAE, style Gaussian':>28}")
    for name in figures["conditioned"]:
        print(f"  {name:10s} {figures['conditioned_prior'][name]:8.3f} "
              f"{figures['conditioned'][name]:15.3f} "
              f"{figures['shipped_vae_style_gaussians'][name]:28.3f}")
    for key, label in (("transfer_conditional", "conditional VAE"),
                       ("transfer_label_vectors", "shipped VAE + label vectors")):
        result = figures[key]
        print(f"style transfer, {label} ({result['melodies']} melody/target pairs): recognised "
              f"as target {result['recognised_as_target']:.3f} (before: "
              f"{result['recognised_before']:.3f}), contour correlation "
              f"{result['contour_correlation']:.3f}, changed steps {result['changed_steps']:.3f}")
    real = figures["real_test_windows"]
    per_region = ", ".join(f"{name} {real[name]:.2f}" for name in regions)
    print(f"the judge on real held-out windows: {real['mean_over_regions']:.3f} (mean over "
          f"regions; {per_region})")
    overall = figures["conditioned"]["overall"]
    print(f"target: conditioned samples recognised >= 0.80: {overall:.3f} "
          f"({'met' if overall >= 0.80 else 'short'})")
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)


if __name__ == "__main__":
    main()
