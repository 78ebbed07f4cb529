from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional

from openfeature.exception import ErrorCode


class ProviderEvent(str, Enum):
    PROVIDER_READY = "PROVIDER_READY"
    PROVIDER_CONFIGURATION_CHANGED = "PROVIDER_CONFIGURATION_CHANGED"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    PROVIDER_STALE = "PROVIDER_STALE"


@dataclass
class ProviderEventDetails:
    flags_changed: Optional[List[str]] = None
    message: Optional[str] = None
    error_code: Optional[ErrorCode] = None
    metadata: Dict[str, Any] = field(default_factory=dict)
