from enum import Enum


class ErrorCode(str, Enum):
    PROVIDER_NOT_READY = "PROVIDER_NOT_READY"
    PROVIDER_FATAL = "PROVIDER_FATAL"
    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    PARSE_ERROR = "PARSE_ERROR"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"
    INVALID_CONTEXT = "INVALID_CONTEXT"
    GENERAL = "GENERAL"


class OpenFeatureError(Exception):
    def __init__(self, error_code: ErrorCode, error_message: str = "") -> None:
        super().__init__(error_message)
        self.error_code = error_code
        self.error_message = error_message


class ProviderNotReadyError(OpenFeatureError):
    def __init__(self, error_message: str = "") -> None:
        super().__init__(ErrorCode.PROVIDER_NOT_READY, error_message)
