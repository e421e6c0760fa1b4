"""Reading Chromium's mDNS answers, asking as its responder wants, and taking hidden candidates out of offers."""

from __future__ import annotations

import dns.exception
import dns.message
import dns.rdatatype
import pytest

from proxim_tray import mdns
from proxim_tray.hidden_candidates import HiddenCandidate, split_offer

NAME = "4703bff7-ef8d-4fb1-a963-08efe241aa38.local"
# Chromium 156's answer to an A query for NAME, captured between two network namespaces: the A record, then an NSEC
# record whose next-domain name is compressed (RFC 6762 allows it; dnspython refuses it)
CHROMIUM_ANSWER = bytes.fromhex(
    "000084000000000100000001"
    "2434373033626666372d656638642d346662312d613936332d303865666532343161613338056c6f63616c00"
    "0001800100000078" "0004c0000203"
    "2434373033626666372d656638642d346662312d613936332d303865666532343161613338056c6f63616c00"
    "002f800100000078" "0005c046000140"
)  # fmt: skip
# its answer to an AAAA query for NAME: only an NSEC record saying there is none
CHROMIUM_NO_AAAA = bytes.fromhex(
    "000084000000000000000001"
    "2434373033626666372d656638642d346662312d613936332d303865666532343161613338056c6f63616c00"
    "002f800100000078" "0005c00c000140"
)  # fmt: skip

OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 0.0.0.0",
        "a=candidate:1 1 udp 2113937151 4703BFF7-ef8d-4fb1-a963-08efe241aa38.local 35121 typ host generation 0",
        "a=candidate:2 1 udp 1677729535 198.51.100.7 35121 typ srflx raddr 0.0.0.0 rport 0 generation 0",
        "a=end-of-candidates",
        "a=mid:0",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "c=IN IP4 0.0.0.0",
        "a=candidate:1 1 udp 2113937151 4703bff7-ef8d-4fb1-a963-08efe241aa38.local 58217 typ host generation 0",
        "a=mid:1",
        "",
    ]
)


def test_the_address_is_read_from_chromiums_answer_that_dnspython_refuses_whole() -> None:
    with pytest.raises(dns.exception.FormError):
        dns.message.from_wire(CHROMIUM_ANSWER)
    assert mdns.answers(CHROMIUM_ANSWER) == [(NAME, "192.0.2.3")]
    assert mdns.answers(CHROMIUM_NO_AAAA) == []


def test_queries_ask_one_question_each_for_both_families() -> None:
    queries = [dns.message.from_wire(wire) for wire in mdns.queries([NAME])]
    assert [len(query.question) for query in queries] == [1, 1]
    assert {dns.rdatatype.to_text(query.question[0].rdtype) for query in queries} == {"A", "AAAA"}
    # a question, not an answer: our own query looped back is no answer
    assert all(mdns.answers(wire) == [] for wire in mdns.queries([NAME]))


def test_loopback_clients_are_not_resolved_for() -> None:
    assert mdns.interface_facing("127.0.0.1") is None
    assert mdns.interface_facing("::ffff:127.0.0.1") is None
    assert mdns.interface_facing("::1") is None


def test_the_offer_loses_its_local_candidates_and_its_end_of_candidates() -> None:
    kept, hidden = split_offer(OFFER)
    assert ".local" not in kept
    assert "a=end-of-candidates" not in kept
    assert "198.51.100.7 35121 typ srflx" in kept
    assert kept.count("\r\n") == OFFER.count("\r\n") - 3
    # a=mid follows the candidates in Chromium's offers
    assert hidden == [
        HiddenCandidate(
            NAME, "1 1 udp 2113937151 4703BFF7-ef8d-4fb1-a963-08efe241aa38.local 35121 typ host generation 0", "0", 0
        ),
        HiddenCandidate(
            NAME, "1 1 udp 2113937151 4703bff7-ef8d-4fb1-a963-08efe241aa38.local 58217 typ host generation 0", "1", 1
        ),
    ]
