"""The request schemas an OpenAPI document gives its own operations, for `check openapi.yaml`.

A request example in an OpenAPI document belongs to an operation *of that document*, so it
is validated against that operation's request schema there — not against the shipped schema
of whichever Vipps operation its path routes to (a user's own or newer spec may say
`maxLength: 3` where the shipped one says 8), and also for documents whose paths are no
Vipps API at all. The schemas are derived in memory with the same code as
`schemas build` and `check --spec` (`SchemaDeriver`), once per operation that has examples;
the schema check compiles each on its first example and keeps the result on the
`OperationSchema` (so: derived and compiled once per document, cached per operation).

Problems deriving them (a broken `$ref`, a cycle that never reaches a value) are
`SpecError`s with file and line: the reader reports each once, as an input error, and
lints the examples of that operation without a schema. Remote `$ref`s are not fetched and
leave their value unchecked, as with `--spec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from vipps_lint.openapi.derive import SchemaDeriver, request_body_schema
from vipps_lint.openapi.documents import Documents


@dataclass(eq=False)
class OperationSchema:
    """The request schema one document gives one of its operations (`Request.meta.document_schema`)."""

    name: str  # 'my-ecom.yaml POST /ecomm/v2/payments', for debugging and tests
    schema: Optional[dict]  # None: the document's schema could not be derived (an input error says why)
    compiled: Any = None  # the schema check's compiled validator, set when the first example needs it

    def __getstate__(self) -> dict:
        # Findings travel back from --jobs workers with their requests; the compiled validator
        # (closures) cannot be pickled and is not needed once the file is linted.
        return {**self.__dict__, "compiled": None}


class DocumentSchemas:
    """Derives the request schemas of one document's operations, each at most once."""

    def __init__(self, documents: Documents):
        self.documents = documents
        self.deriver = SchemaDeriver(documents)

    def for_operation(self, name: str, operation_uri: str, pointer: str, operation: dict) -> Optional[OperationSchema]:
        """The operation's request schema, or None when the document gives its JSON body none.

        Raises SpecError when the schema cannot be derived.
        """
        found = request_body_schema(self.documents, operation_uri, pointer, operation)
        if found is None:
            return None
        return OperationSchema(name, self.deriver.derive(*found))
