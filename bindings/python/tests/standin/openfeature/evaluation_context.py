from dataclasses import dataclass, field
from typing import Any, Dict, Optional


@dataclass
class EvaluationContext:
    targeting_key: Optional[str] = None
    attributes: Dict[str, Any] = field(default_factory=dict)
