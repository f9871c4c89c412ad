"""Matching before create: link what exists, never guess."""

from wfsync.sync.matching import Candidate, CandidateIndex

EXISTING = [
    Candidate("10", "Bergström Bygg AB", "10", "556677-8899", "SE556677889901"),
    Candidate("11", "Nordic Tech AB", "11", "559123-4567", None),
    Candidate("12", "Café Lilla Torget", "12", None, None),
    Candidate("13", "Café Lilla Torget", "13", None, None),
]


def index() -> CandidateIndex:
    return CandidateIndex(EXISTING)


def test_single_candidate_on_org_number_links_despite_other_name() -> None:
    match = index().match(Candidate("w1", "Bergströms Byggnads AB", None, "5566778899"))
    assert match.outcome == "link" and match.candidate and match.candidate.id == "10"


def test_vat_number_links() -> None:
    match = index().match(Candidate("w1", "Whatever", None, None, "se 5566778899 01"))
    assert match.outcome == "link" and match.candidate and match.candidate.id == "10"


def test_keys_pointing_at_different_records_are_ambiguous() -> None:
    match = index().match(Candidate("w1", "X", "11", "556677-8899"))
    assert match.outcome == "ambiguous"
    assert "10" in match.reason and "11" in match.reason


def test_contradicting_keys_are_ambiguous() -> None:
    match = index().match(Candidate("w1", "Nordic Tech AB", "11", "556000-0000"))
    assert match.outcome == "ambiguous" and "organisation number differs" in match.reason


def test_unique_normalised_name_links() -> None:
    match = index().match(Candidate("w1", "nordic tech aktiebolag"))
    assert match.outcome == "link" and match.candidate and match.candidate.id == "11"


def test_duplicate_names_go_to_the_admin() -> None:
    match = index().match(Candidate("w1", "Cafe Lilla Torget"))
    assert match.outcome in {"ambiguous", "create"}
    match = index().match(Candidate("w1", "Café Lilla Torget"))
    assert match.outcome == "ambiguous"


def test_name_match_with_contradicting_org_number_creates() -> None:
    match = index().match(Candidate("w1", "Nordic Tech AB", None, "556000-0000"))
    assert match.outcome == "create"


def test_excluded_candidates_are_not_matched() -> None:
    match = index().match(Candidate("w1", "Nordic Tech AB"), exclude={"11"})
    assert match.outcome == "create"


def test_nothing_matches() -> None:
    assert index().match(Candidate("w1", "Helt Ny AB", None, "551111-2222")).outcome == "create"


def test_swedish_vat_number_matches_the_organisation_number_it_contains() -> None:
    index = CandidateIndex([Candidate("20", "Xylo Holding", "20", "559123-4561")])
    match = index.match(Candidate("w1", "Xylo AB", None, None, "SE559123456101"))
    assert match.outcome == "link" and match.candidate and match.candidate.id == "20"


def test_reasons_name_the_system_of_each_candidate() -> None:
    """ "5 matches but …" left readers guessing: the reason says which system 5 is in."""
    index = CandidateIndex(
        [Candidate("5", "Acme AB", "1005", "5566778899")], label="webCRM organisation"
    )
    match = index.match(Candidate("", "Acme AB", "7", "5566778899"))
    assert match.outcome == "ambiguous"
    assert match.reason.startswith("webCRM organisation 5 matches but its customer number")
    assert match.involved == ("5",)
