import pytest

from moviesearch.search.framing import described


@pytest.mark.parametrize(
    ("query", "story"),
    [
        ("that film where a lawyer can't lie", "a lawyer can't lie"),
        ("movie about time travel", "time travel"),
        ("The film follows four friends who rob a bank", "four friends who rob a bank"),
        ("the one where the story follows a dog", "a dog"),
        ("I'm looking for a movie about a shark", "a shark"),
        ("movie with tom hanks", "tom hanks"),
        ("it tells the story of a boxer", "a boxer"),
        ("stories about war", "war"),
        ("the film mostly follows a boxer", "a boxer"),
    ],
)
def test_the_frame_is_left_out(query, story):
    assert described(query) == story


@pytest.mark.parametrize(
    "query",
    [
        "movie directed by joss whedon",  # a name query: entities read it
        "war movie with great story",  # the genre leads
        "movie about",  # nothing would be left
        "it follows",  # a title
        "it follows movie",
        "it follows a girl who is stalked",
        "movie about a",  # nothing would be said
        "movie family with kids",
        "the matrix",
    ],
)
def test_what_is_not_a_frame_stays(query):
    assert described(query) == query
