"""The model bundle file: one zip archive whose ``manifest.json`` lists the SHA-256 and size of every
other member, and the checks that read one back.

A bundle crosses an air gap by hand, so whatever arrives is read as a stranger's file: its pipeline
is a pickle, and unpickling runs code. ``read_verified`` therefore trusts nothing before every
member has been read and matched against the manifest: the archive's directory first (a fixed set
of member names, so no path can point outside; no more members than that set; sizes bounded, and no
member that unpacks to far more than it is packed, a "zip bomb"), then the manifest itself (it must
be exactly its own canonical form, so every byte of it is checked by reading it), then each member's
size and hash. The manifest's own SHA-256, printed on export, lets a person check the bundle out of
band: someone who rewrites members and manifest together changes that hash.
"""

import hashlib
import json
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.core.data.file_limits import check_packing, size_text
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.writing import write_file

SUFFIX = ".mlbundle"
FORMAT = "mlops-desktop model bundle, version 1"
MANIFEST = "manifest.json"
PIPELINE = "pipeline.joblib"  # the fitted scikit-learn pipeline, as stored in the workspace
MODEL = "model.json"  # the version's record: what it predicts, its run's settings and scores
INPUT_SCHEMA = "input_schema.json"
CARD = "model_card.html"
LINEAGE = "lineage.json"
RECIPE = "recipe.json"
RULES = "validation_rules.json"
REFERENCE = "reference_summary.json"
LIBRARIES = "library_versions.json"
README = "README.txt"
HELD_OUT = "held_out.parquet"  # only with --with-data: the rows the version's metrics came from
REQUIRED = (
    PIPELINE,
    MODEL,
    INPUT_SCHEMA,
    CARD,
    LINEAGE,
    RECIPE,
    RULES,
    REFERENCE,
    LIBRARIES,
    README,
)
MEMBERS = frozenset({MANIFEST, *REQUIRED, HELD_OUT})
MAX_BUNDLE_BYTES = 2 << 30  # 2 GB unpacked, all members together
_CHUNK = 1 << 20


def canonical_json(value: Any) -> bytes:
    """One byte form for one value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_bundle(path: Path, members: Mapping[str, bytes]) -> str:
    """Write ``members`` (name → bytes) and their manifest to ``path``, whole or not at all;
    returns the manifest's SHA-256."""
    manifest = canonical_json(
        {
            "format": FORMAT,
            "members": {
                name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                for name, data in members.items()
            },
        }
    )

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, manifest)
            for name, data in members.items():
                archive.writestr(name, data)

    write_file(path, write)
    return hashlib.sha256(manifest).hexdigest()


@dataclass(frozen=True)
class Bundle:
    """A bundle's members, each checked against the manifest, and the manifest's SHA-256."""

    file_name: str
    manifest_sha256: str
    members: dict[str, bytes]

    def json(self, name: str) -> Any:
        """A JSON member's value (it matched its hash, but its maker may still have written
        something that is not JSON)."""
        try:
            return json.loads(self.members[name])
        except ValueError:
            raise UserError(
                f"{self.file_name} holds a {name} that is not readable JSON; nothing was imported."
            ) from None


def _refused(file_name: str, why: str) -> UserError:
    return UserError(f"{file_name} {why}; nothing was imported.")


def read_verified(path: Path) -> Bundle:
    """Every member of the bundle at ``path``, after checking it against the manifest; one
    sentence if the file is not a complete, unaltered bundle."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UserError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder; choose a {SUFFIX} file.") from None
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise _refused(name, "is not a model bundle, or it is damaged or cut short") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read ({error.strerror or error}).") from None
    with archive:
        try:
            return _verified(archive, name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            # A member whose bytes do not match the archive's own checksum, or cut short.
            raise _refused(name, "is damaged or cut short") from None


def _verified(archive: zipfile.ZipFile, name: str) -> Bundle:
    entries = archive.infolist()
    names = [entry.filename for entry in entries]
    strangers = sorted(set(names) - MEMBERS)
    if strangers:
        raise _refused(name, f"holds '{strangers[0][:80]}', which a model bundle does not")
    if len(names) != len(set(names)):
        raise _refused(name, "holds a member twice, which a model bundle does not")
    check_packing(archive, name, "model bundle")
    if sum(entry.file_size for entry in entries) > MAX_BUNDLE_BYTES:
        raise _refused(
            name, f"unpacks to more than {size_text(MAX_BUNDLE_BYTES)}, more than a bundle may hold"
        )
    if MANIFEST not in names:
        raise _refused(name, f"has no {MANIFEST}, so it is not a complete model bundle")
    listed = _manifest_members(archive.read(MANIFEST), name)
    for member in REQUIRED:
        if member not in listed:
            raise _refused(name, f"is incomplete: its manifest does not list {member}")
    for member in listed:
        if member not in names:
            raise _refused(name, f"is incomplete: it lacks {member}")
    for member in names:
        if member != MANIFEST and member not in listed:
            raise _refused(name, f"holds {member}, which its manifest does not list")
    members = {member: _checked(archive, member, listed[member], name) for member in listed}
    manifest_sha = hashlib.sha256(archive.read(MANIFEST)).hexdigest()
    return Bundle(name, manifest_sha, members)


def _manifest_members(data: bytes, name: str) -> dict[str, dict[str, Any]]:
    """The manifest's members (name → sha256, size), refused unless the manifest is exactly the
    canonical form of a well-formed manifest: so a changed byte anywhere in it is found."""
    try:
        manifest = json.loads(data)
    except ValueError:
        manifest = None
    well_formed = (
        isinstance(manifest, dict)
        and set(manifest) == {"format", "members"}
        and isinstance(manifest["members"], dict)
        and all(
            isinstance(entry, dict)
            and set(entry) == {"sha256", "size"}
            and isinstance(entry["sha256"], str)
            and isinstance(entry["size"], int)
            for entry in manifest["members"].values()
        )
    )
    if not well_formed or canonical_json(manifest) != data:
        raise _refused(name, f"has a damaged or altered {MANIFEST}")
    if manifest["format"] != FORMAT:
        raise _refused(name, "was made in a bundle format this version of the app does not read")
    members: dict[str, dict[str, Any]] = manifest["members"]
    return members


def _checked(archive: zipfile.ZipFile, member: str, listed: dict[str, Any], name: str) -> bytes:
    """The member's bytes, read no further than the manifest's size, after checking that size
    and hash."""
    if archive.getinfo(member).file_size != listed["size"]:
        raise _altered(name, member)
    digest = hashlib.sha256()
    parts = []
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            parts.append(chunk)
    data = b"".join(parts)
    if len(data) != listed["size"] or digest.hexdigest() != listed["sha256"]:
        raise _altered(name, member)
    return data


def _altered(name: str, member: str) -> UserError:
    return _refused(name, f"has been altered or damaged: {member} does not match its manifest")
