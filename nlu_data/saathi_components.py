"""Rasa components of Saathi's NLU pipeline (loaded by Rasa from this folder, Python 3.10)."""

import unicodedata
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression


def _column_major(classifier: LogisticRegression) -> None:
    """Store the weights column-major, so a sparse message times their transpose copies nothing.

    With row-major weights, scipy copies the whole (classes x features) matrix on every
    prediction: about 25 ms a parse for this model. Column-major, a parse takes about 4 ms.
    """
    if hasattr(classifier, "coef_"):
        classifier.coef_ = np.asfortranarray(classifier.coef_)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's logistic-regression intent classifier, with weights laid out for fast parsing."""

    def train(self, training_data: TrainingData) -> Resource:
        """Train as Rasa does, then lay the weights out column-major."""
        resource = super().train(training_data)
        _column_major(self.clf)
        return resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FastLogisticRegressionClassifier":
        """Load as Rasa does, then lay the weights out column-major."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        _column_major(component.clf)
        return component


def fold_latin_diacritics(text: Text) -> Text:
    """Drop the accents of Latin letters (hợp đồng → hop dong), leaving other scripts intact.

    Vietnamese workers type with and without diacritics; Indic and Southeast Asian vowel
    signs are combining marks too, so only marks that follow an ASCII letter are dropped.
    """
    kept: List[Text] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char) == "Mn" and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).replace("đ", "d").replace("Đ", "D")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LatinDiacriticFolder(GraphComponent):
    """Put before the tokenizer: folds Latin diacritics in training and at parse time alike."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LatinDiacriticFolder":
        """Return the folder; it has no settings and learns nothing."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Fold the text of messages being parsed."""
        for message in messages:
            if message.get(TEXT):
                message.set(TEXT, fold_latin_diacritics(message.get(TEXT)))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Fold the text of every training example."""
        self.process(training_data.training_examples)
        return training_data
