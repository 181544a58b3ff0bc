"""Flash cards: a question, time to think, the model answer, and where it is demonstrated."""

import html

import ipywidgets

INTERVIEW_CARDS = (
    ("What are the main applications of large models in music creation?",
     "Generation (melody, harmony, rhythm), adaptation (recognise and convert style; arrange), "
     "realistic instrument audio (WaveNet on samples, DDSP timbre transfer) and "
     "personalisation (recommend or steer from embeddings of the music). Output is raw "
     "material for musicians; the hard parts are long-range structure, evaluation and data "
     "rights.", "09_interview, Q1"),
    ("How does a GAN generate music, and how does it fail?",
     "A generator maps noise to a piano roll; a discriminator says real or generated; train "
     "the discriminator then the generator on each batch (binary cross-entropy, non-saturating "
     "generator loss). It fails by vanishing gradients and mode collapse; WGAN-GP's critic "
     "estimates the Wasserstein distance, kept 1-Lipschitz by a gradient penalty.",
     "09_interview, Q2; 04_gan"),
    ("How would you use multi-task learning in music generation?",
     "One shared trunk, one head and one loss per task: melody + harmony (a head per voice), "
     "rhythm + pitch (a pitch head and a length head), many styles (a style input). Fewer "
     "parameters, tasks that regularise each other; watch each task's held-out loss.",
     "09_interview, Q3; 05_style_and_transfer"),
    ("How would you apply transfer learning to music?",
     "Pretrain on a large collection, fine-tune on the small one (a style, a composer) with a "
     "small learning rate; show the learning curve against training from scratch. Piano to "
     "violin is timbre transfer, not transfer learning. Recognise style with a pretrained "
     "classifier, then convert with a generative model.", "09_interview, Q4"),
    ("What is posterior collapse, and why free bits?",
     "A strong decoder ignores z; the KL goes to 0 and codes carry nothing. Free bits "
     "penalise only KL above a budget, max(KL - tau, 0), so the first tau bits are free.",
     "02_melody_vae; 09_interview, follow-ups"),
    ("Why dilated convolutions?",
     "The receptive field 1 + sum (k - 1) d grows exponentially with depth when dilations "
     "double: 10 layers of kernel 2 see 1,024 steps instead of 11.", "03_wavenet"),
    ("What is exposure bias?",
     "Teacher forcing trains on true previous tokens; generation feeds the model its own, so "
     "errors compound. Measure it: teacher-forced minus free-running accuracy.",
     "09_interview, follow-ups"),
    ("Why a temperature, and what does top-p do?",
     "Logits / T: T < 1 safer, T > 1 more surprising. Top-p keeps the fewest most probable "
     "tokens reaching probability p, so the candidate set adapts to the model's certainty.",
     "03_wavenet; 06_transformer"),
    ("How do you evaluate generated music without a reference?",
     "Not MSE or SNR (they need a reference). Held-out likelihood, distributions of metrics "
     "real vs generated, classifier verdicts, Frechet distances of embeddings, and listening "
     "tests.", "09_interview, follow-ups; 04_gan"),
)


class Quiz(ipywidgets.VBox):
    """Flash cards: *Reveal* shows the answer, *Next* and *Back* move between cards.

    Args:
        cards: ``(question, answer, where)`` triples; ``where`` names the lesson that
            demonstrates the answer.
    """

    def __init__(self, cards):
        if not cards:
            raise ValueError("cards: give at least one (question, answer, where) card")
        self.cards, self.index = list(cards), 0
        self.counter = ipywidgets.HTML()
        self.question = ipywidgets.HTML()
        self.answer = ipywidgets.HTML()
        self.reveal = ipywidgets.Button(description="Reveal", icon="eye")
        self.back = ipywidgets.Button(description="Back", icon="arrow-left")
        self.next = ipywidgets.Button(description="Next", icon="arrow-right")
        self.reveal.on_click(lambda _: self.show(revealed=True))
        self.back.on_click(lambda _: self.move(-1))
        self.next.on_click(lambda _: self.move(1))
        super().__init__([self.counter, self.question,
                          ipywidgets.HBox([self.back, self.reveal, self.next]), self.answer])
        self.show()

    @classmethod
    def interview(cls):
        """The interview walk-through's questions and follow-ups."""
        return cls(INTERVIEW_CARDS)

    def move(self, step):
        """Go ``step`` cards on (wrapping round), answer hidden."""
        self.index = (self.index + step) % len(self.cards)
        self.show()

    def show(self, revealed=False):
        """Show the current card, with its answer when ``revealed``."""
        question, answer, where = self.cards[self.index]
        self.counter.value = f"<small>card {self.index + 1} of {len(self.cards)}</small>"
        self.question.value = f"<b>{html.escape(question)}</b>"
        self.answer.value = (f"<p>{html.escape(answer)}</p><small>demonstrated in: "
                             f"{html.escape(where)}</small>" if revealed
                             else "<i>think of your answer, then press Reveal</i>")
        self.reveal.disabled = revealed
