from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, List, Optional, Union

from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEvent, ProviderEventDetails
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.hook import Hook


@dataclass
class Metadata:
    name: str


class AbstractProvider(ABC):
    def attach(self, on_emit: Callable) -> None:
        self._on_emit = on_emit

    def detach(self) -> None:
        self.__dict__.pop("_on_emit", None)

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        pass

    def shutdown(self) -> None:
        pass

    @abstractmethod
    def get_metadata(self) -> Metadata: ...

    def get_provider_hooks(self) -> List[Hook]:
        return []

    @abstractmethod
    def resolve_boolean_details(self, flag_key: str, default_value: bool,
                                evaluation_context: Optional[EvaluationContext] = None,
                                ) -> FlagResolutionDetails[bool]: ...

    @abstractmethod
    def resolve_string_details(self, flag_key: str, default_value: str,
                               evaluation_context: Optional[EvaluationContext] = None,
                               ) -> FlagResolutionDetails[str]: ...

    @abstractmethod
    def resolve_integer_details(self, flag_key: str, default_value: int,
                                evaluation_context: Optional[EvaluationContext] = None,
                                ) -> FlagResolutionDetails[int]: ...

    @abstractmethod
    def resolve_float_details(self, flag_key: str, default_value: float,
                              evaluation_context: Optional[EvaluationContext] = None,
                              ) -> FlagResolutionDetails[float]: ...

    @abstractmethod
    def resolve_object_details(self, flag_key: str, default_value: Union[dict, list],
                               evaluation_context: Optional[EvaluationContext] = None,
                               ) -> FlagResolutionDetails[Union[dict, list]]: ...

    def emit_provider_ready(self, details: ProviderEventDetails) -> None:
        self.emit(ProviderEvent.PROVIDER_READY, details)

    def emit_provider_configuration_changed(self, details: ProviderEventDetails) -> None:
        self.emit(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED, details)

    def emit_provider_error(self, details: ProviderEventDetails) -> None:
        self.emit(ProviderEvent.PROVIDER_ERROR, details)

    def emit_provider_stale(self, details: ProviderEventDetails) -> None:
        self.emit(ProviderEvent.PROVIDER_STALE, details)

    def emit(self, event: ProviderEvent, details: ProviderEventDetails) -> None:
        on_emit = getattr(self, "_on_emit", None)
        if on_emit is not None:
            on_emit(self, event, details)
