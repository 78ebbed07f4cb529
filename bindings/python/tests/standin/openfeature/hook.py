class Hook:
    """The SDK's hook interface: each stage is optional."""

    def before(self, hook_context, hints):
        return None

    def after(self, hook_context, details, hints):
        return None

    def error(self, hook_context, exception, hints):
        return None

    def finally_after(self, hook_context, details, hints):
        return None
