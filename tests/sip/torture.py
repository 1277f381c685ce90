"""Messages from RFC 4475 (SIP Torture Test Messages), section 3, with CRLF line ends as on the wire.

``VALID`` are well-formed (section 3.1.1 and 3.3): a server must act on them. ``INVALID`` are broken (section
3.1.2): a server must refuse them (here: 400) or drop them, and never fall over.
"""

from __future__ import annotations

SDP = (
    "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n"
)


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


VALID: dict[str, bytes] = {
    # 3.1.1.1 A short tortuous INVITE
    "wsinv": crlf(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\n"
        "TO :\n"
        " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\n"
        'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>\n'
        "  ;\n"
        "  tag = 98asjd8\n"
        "MaX-fOrWaRdS: 0068\n"
        "Call-ID: wsinv.ndaksdj@192.0.2.1\n"
        "Content-Length   : 150\n"
        "cseq: 0009\n"
        "  INVITE\n"
        "Via  : SIP  /   2.0\n"
        " /UDP\n"
        "    192.0.2.2;branch=390skdjuw\n"
        "s :\n"
        "NewFangledHeader:   newfangled value\n"
        " continued newfangled value\n"
        "UnknownHeaderWithUnusualValue: ;;,,;;,;\n"
        "Content-Type: application/sdp\n"
        "Route:\n"
        " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\n"
        "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\n"
        "  branch  =   z9hG4bK9ikj8  ,\n"
        " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\n"
        " z9hG4bK30239\n"
        'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =\n'
        "      newvalue ;\n"
        "  secondparam ; q = 0.33\n"
        "\n"
    )
    + crlf(SDP.replace("\r\n", "\n"))[:150],
    # 3.1.1.2 Wide range of valid characters
    "intmeth": crlf(
        "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1"
        ",weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\n"
        "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\n"
        'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>\n'
        "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
        '"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1\'+`*%!-.\n'
        "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\n"
        "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\n"
        "Max-Forwards: 255\n"
        "extensionHeader-!.%*+_`'~:\ufeff\u5927\u505c\u96fb\n"
        "Content-Length: 0\n\n"
    ),
    # 3.1.1.3 Valid use of the % escaping mechanism
    "esc01": crlf(
        "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\n"
        "To: sip:%75se%72@example.com\n"
        "From: <sip:I%20have%20spaces@example.net>;tag=938\n"
        "Max-Forwards: 87\n"
        "i: esc01.239409asdfakjkn23onasd0-3234\n"
        "CSeq: 234234 INVITE\n"
        "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\n"
        "C: application/sdp\n"
        "Contact:\n"
        "  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\n"
        "Content-Length: 150\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n"))[:150],
    # 3.1.1.4 Escaped nulls in URIs
    "escnull": crlf(
        "REGISTER sip:example.com SIP/2.0\n"
        "To: sip:null-%00-null@example.com\n"
        "From: sip:null-%00-null@example.com;tag=839923423\n"
        "Max-Forwards: 70\n"
        "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\n"
        "CSeq: 14398234 REGISTER\n"
        "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\n"
        "Contact: <sip:%00@host5.example.com>\n"
        "Contact: <sip:%00%00@host5.example.com>\n"
        "L:0\n\n"
    ),
    # 3.1.1.6 No LWS between display name and <
    "lwsdisp": crlf(
        "OPTIONS sip:user@example.com SIP/2.0\n"
        "To: sip:user@example.com\n"
        "From: caller<sip:caller@example.com>;tag=323\n"
        "Max-Forwards: 70\n"
        "Call-ID: lwsdisp.1234abcd@funky.example.com\n"
        "CSeq: 60 OPTIONS\n"
        "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\n"
        "l: 0\n\n"
    ),
    # 3.1.1.8 Extra trailing octets in a UDP datagram (a second request after the first)
    "dblreq": crlf(
        "REGISTER sip:example.com SIP/2.0\n"
        "To: sip:j.user@example.com\n"
        "From: sip:j.user@example.com;tag=43251j3j324\n"
        "Max-Forwards: 8\n"
        "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\n"
        "Contact: sip:j.user@host.example.com\n"
        "CSeq: 8 REGISTER\n"
        "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\n"
        "Content-Length: 0\n\n"
        "INVITE sip:joe@example.com SIP/2.0\n"
        "t: sip:joe@example.com\n"
        "From: sip:caller@example.net;tag=141334\n"
        "Max-Forwards: 8\n"
        "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\n"
        "CSeq: 8 INVITE\n"
        "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 150\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n"))[:150],
    # 3.1.1.9 Semicolon-separated parameters in the URI user part
    "semiuri": crlf(
        "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\n"
        "To: sip:j_user@example.com\n"
        "From: sip:caller@example.org;tag=33242\n"
        "Max-Forwards: 3\n"
        "Call-ID: semiuri.0ha0isndaksdj\n"
        "CSeq: 8 OPTIONS\n"
        "Accept: application/sdp, application/pkcs7-mime,\n"
        "        multipart/mixed, multipart/signed,\n"
        "        message/sip, message/sipfrag\n"
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\n"
        "l: 0\n\n"
    ),
    # 3.1.1.10 Varied and unknown transport types
    "transports": crlf(
        "OPTIONS sip:user@example.com SIP/2.0\n"
        "To: sip:user@example.com\n"
        "From: <sip:caller@example.com>;tag=323\n"
        "Max-Forwards: 70\n"
        "Call-ID:  transports.kijh4akdnaqjkwendsasfdj\n"
        "Accept: application/sdp\n"
        "CSeq: 60 OPTIONS\n"
        "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\n"
        "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\n"
        "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\n"
        "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\n"
        "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\n"
        "l: 0\n\n"
    ),
    # 3.3.1 Missing transaction identifier (an RFC 2543 Via without branch)
    "inv2543": crlf(
        "INVITE sip:UserB@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP iftgw.example.com\n"
        "From: <sip:+13035551111@ift.client.example.net;user=phone>\n"
        "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\n"
        "To: sip:+16505552222@ss1.example.net;user=phone\n"
        "Call-ID: inv2543.1717@ift.client.example.com\n"
        "CSeq: 56 INVITE\n"
        "Content-Type: application/sdp\n\n"
        "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.5\ns=-\nc=IN IP4 192.0.2.5\nt=0 0\nm=audio 49217 RTP/AVP 0\n"
    ),
    # 3.3.2 An unknown method, 3.3.13 REGISTER with a contact parameter
    "unkm": crlf(
        "NEWMETHOD sip:user@example.com SIP/2.0\n"
        "To: sip:j.user@example.com\n"
        "From: sip:caller@example.net;tag=34525\n"
        "Max-Forwards: 6\n"
        "Call-ID: newmeth.0ha0isndaksdj\n"
        "CSeq: 8 NEWMETHOD\n"
        "Contact: <sip:caller3@host4.example.net>\n"
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\n"
        "Content-Length: 0\n\n"
    ),
    "cparam01": crlf(
        "REGISTER sip:example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\n"
        "Max-Forwards: 70\n"
        "From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe\n"
        "To: sip:watson@example.com\n"
        "Call-ID: cparam01.70710@saturn.example.com\n"
        "CSeq: 2 REGISTER\n"
        "Contact: sip:+19725552222@gw1.example.net;unknownparam\n"
        "l: 0\n\n"
    ),
}

INVALID: dict[str, bytes] = {
    # 3.1.2.1 Extraneous header field separators
    "badinv01": crlf(
        "INVITE sip:user@example.com SIP/2.0\n"
        "To: sip:j.user@example.com\n"
        "From: sip:caller@example.net;tag=134161461246\n"
        "Max-Forwards: 7\n"
        "Call-ID: badinv01.0ha0isndaksdjasdf3234nas\n"
        "CSeq: 8 INVITE\n"
        "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\n"
        'Contact: "Joe" <sip:joe@example.org>;;;;\n'
        "Content-Length: 152\n"
        "Content-Type: application/sdp\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n")),
    # 3.1.2.2 Content-Length larger than the message
    "clerr": crlf(
        "INVITE sip:user@example.com SIP/2.0\n"
        "Max-Forwards: 80\n"
        "To: sip:j.user@example.com\n"
        "From: sip:caller@example.net;tag=93942939o2\n"
        "Contact: <sip:caller@hungry.example.net>\n"
        "Call-ID: clerr.0ha0isndaksdjweiafasdk3\n"
        "CSeq: 8 INVITE\n"
        "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 9999\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n")),
    # 3.1.2.3 Negative Content-Length
    "ncl": crlf(
        "INVITE sip:user@example.com SIP/2.0\n"
        "Max-Forwards: 254\n"
        "To: sip:j.user@example.com\n"
        "From: sip:caller@example.net;tag=32394234\n"
        "Call-ID: ncl.0ha0isndaksdj2193423r542w35\n"
        "CSeq: 0 INVITE\n"
        "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\n"
        "Contact: <sip:caller@example53.example.net>\n"
        "Content-Type: application/sdp\n"
        "Content-Length: -999\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n")),
    # 3.1.2.4 Request scalar fields with overlarge values
    "scalar02": crlf(
        "REGISTER sip:example.com SIP/2.0\n"
        "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\n"
        "To: <sip:user@example.com>\n"
        "From: <sip:user@example.com>;tag=239232jh3\n"
        "CSeq: 36893488147419103232 REGISTER\n"
        "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\n"
        "Max-Forwards: 300\n"
        "Expires: 1000000000000000000000000000\n"
        "Contact: <sip:user@host129.example.com>\n"
        "  ;expires=280297596632815\n"
        "Content-Length: 0\n\n"
    ),
    # 3.1.2.6 Unterminated quoted string in display name
    "quotbal": crlf(
        "INVITE sip:user@example.com SIP/2.0\n"
        'To: "Mr. J. User <sip:j.user@example.com>\n'
        "From: sip:caller@example.net;tag=93334\n"
        "Max-Forwards: 10\n"
        "Call-ID: quotbal.aksdj\n"
        "Contact: <sip:caller@host59.example.net>\n"
        "CSeq: 8 INVITE\n"
        "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 150\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n"))[:150],
    # 3.1.2.8 Spaces within addr-spec (the Request-URI)
    "lwsruri": crlf(
        "INVITE sip:user@example.com; lr SIP/2.0\n"
        "To: sip:user@example.com;tag=3xfe-9921883-z9f\n"
        "From: sip:caller@example.net;tag=231413434\n"
        "Max-Forwards: 5\n"
        "Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423\n"
        "CSeq: 2130706432 INVITE\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395\n"
        "Contact: <sip:caller@host1.example.net>\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 150\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n"))[:150],
    # 3.1.2.9 Non-token characters in the method (multiple spaces in the request line)
    "lwsstart": crlf(
        "INVITE  sip:user@example.com  SIP/2.0\n"
        "Max-Forwards: 8\n"
        "To: sip:user@example.com\n"
        "From: sip:caller@example.net;tag=8814\n"
        "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com\n"
        "CSeq: 1893884 INVITE\n"
        "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923\n"
        "Contact: <sip:caller@host1.example.net>\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 150\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n"))[:150],
    # 3.1.2.10 SP characters at the end of the request line
    "trws": crlf(
        "OPTIONS sip:remote-target@example.com SIP/2.0  \n"
        "Via: SIP/2.0/TCP host1.examle.com;branch=z9hG4bK299342093\n"
        "To: <sip:remote-target@example.com>\n"
        "From: <sip:local-resource@example.com>;tag=329429089\n"
        "Call-ID: trws.oicu34958239neffasdhr2345r\n"
        "Accept: application/sdp\n"
        "CSeq: 238923 OPTIONS\n"
        "Max-Forwards: 70\n"
        "Content-Length: 0\n\n"
    ),
    # 3.1.2.15 Unknown protocol version
    "badvers": crlf(
        "OPTIONS sip:t.watson@example.org SIP/7.0\n"
        "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\n"
        "Max-Forwards:     70\n"
        "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\n"
        "To:      T. Watson <sip:t.watson@example.org>\n"
        "Call-ID: badvers.31417@c.example.com\n"
        "CSeq:    1 OPTIONS\n"
        "l: 0\n\n"
    ),
    # 3.1.2.16 Start line and CSeq method mismatch
    "mismatch01": crlf(
        "OPTIONS sip:user@example.com SIP/2.0\n"
        "To: sip:j.user@example.com\n"
        "From: sip:caller@example.net;tag=34525\n"
        "Max-Forwards: 6\n"
        "Call-ID: mismatch01.dj0234sxdfl3\n"
        "CSeq: 8 INVITE\n"
        "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\n"
        "l: 0\n\n"
    ),
    # 3.1.2.18 Multiple values in single-value required header fields
    "multi01": crlf(
        "INVITE sip:user@company.com SIP/2.0\n"
        "Contact: <sip:caller@host25.example.net>\n"
        "Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\n"
        "Max-Forwards: 70\n"
        "CSeq: 5 INVITE\n"
        "Call-ID: multi01.98asdh@192.0.2.1\n"
        "CSeq: 59 INVITE\n"
        "Call-ID: multi01.98asdh@192.0.2.2\n"
        "From: sip:caller@example.com;tag=3413415\n"
        "To: sip:user@example.com\n"
        "To: sip:other@example.net\n"
        "From: sip:caller@example.net;tag=2923420123\n"
        "Content-Type: application/sdp\n"
        "l: 154\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n")),
    # 3.1.2.19 Missing required header fields
    "insuf": crlf(
        "INVITE sip:user@example.com SIP/2.0\n"
        "CSeq: 193942 INVITE\n"
        "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\n"
        "Content-Type: application/sdp\n"
        "l: 152\n\n"
    )
    + crlf(SDP.replace("\r\n", "\n")),
    # 3.1.2.5 (after it) a Content-Length that is no number at all
    "badcl": crlf(
        "OPTIONS sip:user@example.com SIP/2.0\n"
        "To: sip:user@example.com\n"
        "From: sip:caller@example.net;tag=1\n"
        "Call-ID: badcl.1\n"
        "CSeq: 1 OPTIONS\n"
        "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\n"
        "Content-Length: lots\n\n"
    ),
}
