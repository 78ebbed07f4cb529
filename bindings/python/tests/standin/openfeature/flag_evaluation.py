from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Mapping, Optional, TypeVar, Union

from openfeature.exception import ErrorCode


class Reason(str, Enum):
    CACHED = "CACHED"
    DEFAULT = "DEFAULT"
    DISABLED = "DISABLED"
    ERROR = "ERROR"
    STATIC = "STATIC"
    SPLIT = "SPLIT"
    TARGETING_MATCH = "TARGETING_MATCH"
    UNKNOWN = "UNKNOWN"


T = TypeVar("T")


@dataclass
class FlagResolutionDetails(Generic[T]):
    value: T
    error_code: Optional[ErrorCode] = None
    error_message: Optional[str] = None
    reason: Optional[Union[str, Reason]] = None
    variant: Optional[str] = None
    flag_metadata: Mapping[str, Any] = field(default_factory=dict)
