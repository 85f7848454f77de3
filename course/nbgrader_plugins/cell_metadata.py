"""nbgrader's CheckCellMetadata with its JSON schema checked once per process, not per cell.

nbgrader 0.9.6 validates every cell's nbgrader metadata with ``jsonschema.validate``, which
first checks the schema itself against JSON Schema's meta-schema: about 70 cells, twice per
notebook (the sanitizing pass and the grading pass), so a good part of each submission's
grading went to checking the same constant schema. Here that check is made once; every
other step is nbgrader's own (MetadataValidator's version, grade id and points checks, and
the schema's best-matching error), so a damaged cell fails the same way, with the same message.
"""

import functools
import traceback

from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata


@functools.lru_cache(maxsize=None)
def _schema_validator(version):
    """A jsonschema validator of nbgrader's metadata schema `version`, the schema checked once."""
    import jsonschema

    schema = MetadataValidator().schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


class _SchemaCheckedOnce(BaseMetadataValidator):
    """BaseMetadataValidator.validate_cell, with the validator above."""

    def validate_cell(self, cell):
        from jsonschema.exceptions import best_match

        if "nbgrader" not in cell.metadata:
            return
        version = cell.metadata["nbgrader"].get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(f"Outdated schema version: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError(f"Schema version is too new: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        error = best_match(_schema_validator(self.schema_version).iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class QuickMetadataValidator(MetadataValidator, _SchemaCheckedOnce):
    """nbgrader's MetadataValidator; its call to the base class's validate_cell lands in
    _SchemaCheckedOnce (next in the method resolution order)."""


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's preprocessor with QuickMetadataValidator."""

    def preprocess(self, nb, resources):
        try:
            QuickMetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)
        return nb, resources
