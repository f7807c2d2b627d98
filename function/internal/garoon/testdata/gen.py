#!/usr/bin/env python3
"""Writes the parser's test mails (mail/NN-name.eml) and their expected JSON
(mail/NN-name.json, mail/EXPECTED.json).

The expected objects are written here by hand from FORMAT.md, not produced by
the parser, so the golden test checks the parser against the spec. Run from
this directory: python3 gen.py
"""
import base64, datetime, email.utils, hashlib, json, os, quopri, textwrap

CS = {"sjis": ("Shift_JIS", "cp932"), "jis": ("ISO-2022-JP", "iso2022_jp"),
      "euc": ("EUC-JP", "euc_jp"), "utf8": ("UTF-8", "utf-8")}
GAROON = "no-reply@cybozu.com"
FIELDS = ["action", "kind", "title", "menu", "start", "end", "all_day",
          "recurrence", "attendees", "facilities", "memo"]


ZONES = ["+0900", "+0900 (JST)", "+0000"]
COUNTER = [0]


def words(subject, codec, csname, size=7, enc="B"):
    """Cuts the subject into encoded-words of at most size characters, one
    per folded line, as Garoon does with long subjects."""
    out = []
    for i in range(0, len(subject), size):
        b = subject[i:i + size].encode(codec)
        if enc == "Q":
            q = "".join(chr(c) if (chr(c).isalnum() and c < 128) else "=%02X" % c for c in b)
            out.append("=?%s?Q?%s?=" % (csname, q))
        else:
            out.append("=?%s?B?%s?=" % (csname, base64.b64encode(b).decode()))
    return "\r\n ".join(out)


def date_header(date, zone):
    """The Date header of an instant, in +0900, +0900 (JST) or +0000."""
    t = email.utils.parsedate_to_datetime(date)
    if zone.startswith("+0900"):
        t = t.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    else:
        t = t.astimezone(datetime.timezone.utc)
    return t.strftime("%a, %d %b %Y %H:%M:%S ") + zone, t


def transfer(raw, cte):
    if cte == "base64":
        return "\r\n".join(textwrap.wrap(base64.b64encode(raw).decode(), 76)).encode() + b"\r\n"
    if cte == "quoted-printable":
        # QP line breaks are the CRLFs of the text itself.
        return quopri.encodestring(raw.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    return raw


def encode_body(body, cs):
    csname, codec = CS[cs]
    if cs in ("jis", "euc"):
        body = body.replace("\uff5e", "\u301c")
    return body.replace("\r\n", "\n").replace("\n", "\r\n").encode(codec)


def envelope(subject, frm, date, mailer, subj_cs, subj_enc, extra_headers, seed):
    """The header of a mail as it arrives in Gmail, like shared/garoon/examples."""
    COUNTER[0] += 1
    zone = ZONES[COUNTER[0] % len(ZONES)]
    dh, t = date_header(date, zone)
    pst = (t.astimezone(datetime.timezone(datetime.timedelta(hours=-8)))).strftime("%a, %d %b %Y %H:%M:%S -0800 (PST)")
    h = hashlib.md5(seed).hexdigest().upper()
    addr = frm[frm.find("<") + 1:frm.find(">")] if "<" in frm else frm
    csname, codec = CS[subj_cs]
    if subj_cs in ("jis", "euc"):
        subject = subject.replace("\uff5e", "\u301c")
    lines = [
        "Delivered-To: yuki.example.dev@gmail.com",
        "Received: by 2002:a05:7300:%s:b0:%s:%s:%s with SMTP id %scsp%d;" % (h[0:4].lower(), h[4:7].lower(), h[7:11].lower(), h[11:15].lower(), h[15:19].lower(), int(h[19:25], 16)),
        "        " + pst,
        "Return-Path: <%s>" % addr,
        "Received: from mta%d.notify.example.net (mta.notify.example.net. [203.0.113.%d])" % (int(h[25], 16) % 9 + 1, int(h[26:28], 16) % 250 + 1),
        "        by mx.google.com with ESMTPS id %s" % h[21:32].lower(),
        "        for <yuki.example.dev@gmail.com>",
        "        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);",
        "        " + pst,
        "Authentication-Results: mx.google.com;",
        "       spf=pass (google.com: domain of %s designates 203.0.113.25 as permitted sender) smtp.mailfrom=%s" % (addr, addr),
        "Date: " + dh,
        "From: " + frm,
        "Subject: " + words(subject, codec, csname, enc=subj_enc),
        "Message-ID: <%s.%s@%s>" % (t.astimezone(datetime.timezone.utc).strftime("%Y%m%d%H%M%S"), h[:12], addr.split("@")[-1]),
    ]
    if mailer:
        lines.append("X-Mailer: Cybozu(R) Garoon(R) Version 6.0.2")
    lines += list(extra_headers)
    lines.append("MIME-Version: 1.0")
    return lines


def mail(subject, body, cs="sjis", cte="base64", frm=GAROON, date="Mon, 08 Jan 2024 10:00:00 +0900",
         mailer=True, extra_headers=(), subj_cs=None, subj_enc="B"):
    csname, codec = CS[cs]
    raw = encode_body(body, cs)
    h = envelope(subject, frm, date, mailer, subj_cs or cs, subj_enc, extra_headers, (subject + body).encode())
    h += ['Content-Type: text/plain; charset="%s"' % csname, "Content-Transfer-Encoding: " + cte]
    return ("\r\n".join(h) + "\r\n\r\n").encode() + transfer(raw, cte)


def multipart_mail(subject, parts, kind="alternative", frm=GAROON, date="Mon, 08 Jan 2024 10:00:00 +0900", subj_cs="jis"):
    """A multipart mail; parts are (content-type, cte, raw bytes, extra header lines)."""
    seed = (subject + kind + str(len(parts))).encode()
    boundary = "----=_Part_%s" % hashlib.md5(seed).hexdigest()[:16]
    h = envelope(subject, frm, date, True, subj_cs, "B", (), seed)
    h.append('Content-Type: multipart/%s; boundary="%s"' % (kind, boundary))
    out = ("\r\n".join(h) + "\r\n\r\nThis is a multi-part message in MIME format.\r\n").encode()
    for ctype, cte, raw, extra in parts:
        ph = ["Content-Type: " + ctype] + (["Content-Transfer-Encoding: " + cte] if cte else []) + list(extra)
        out += ("--%s\r\n" % boundary + "\r\n".join(ph) + "\r\n\r\n").encode()
        out += raw if cte is None else transfer(raw, cte)
        if not out.endswith(b"\r\n"):
            out += b"\r\n"
    return out + ("--%s--\r\n" % boundary).encode()


def exp(kind, title="", menu="", start="", end="", all_day=False, rec=(), att=(), fac=(), memo=""):
    action = {"add": "upsert", "edit": "upsert", "confirm": "upsert", "delete": "delete"}.get(kind, "ignore")
    return {"action": action, "kind": kind, "title": title, "menu": menu, "start": start, "end": end,
            "all_day": all_day, "recurrence": list(rec), "attendees": list(att), "facilities": list(fac),
            "memo": memo}


def ignore(kind="other"):
    return exp(kind)


T = "+09:00"
B = "日時　　：{when}\n予定　　：{appt}\n参加者　：山田 太郎,佐藤 花子\nメモ　　：\n"
ATT = ["山田 太郎", "佐藤 花子"]


def simple(when, appt="会議:定例"):
    return B.format(when=when, appt=appt)


CASES = []


def case(name, eml, expected):
    CASES.append((name, eml, expected))


# --- kinds, JA and EN, charsets and transfer encodings -----------------------
case("add-sjis-base64", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00")),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("edit-sjis-8bit", mail("[変更] 会議：定例", simple("2024年01月16日（火） 13:30 ～ 2024年01月16日（火） 14:00"), cte="8bit"),
     exp("edit", "定例", "会議", "2024-01-16T13:30:00" + T, "2024-01-16T14:00:00" + T, att=ATT))
case("delete-jis-7bit", mail("[削除] 会議：定例", simple("2024年01月17日（水） 09:00 〜 2024年01月17日（水） 09:30"), cs="jis", cte="7bit"),
     exp("delete", "定例", "会議", "2024-01-17T09:00:00" + T, "2024-01-17T09:30:00" + T, att=ATT))
case("confirm-jis-base64", mail("[確定] 会議：採用面接", simple("2024年01月18日（木） 15:00 ～ 2024年01月18日（木） 16:00", "会議:採用面接"), cs="jis"),
     exp("confirm", "採用面接", "会議", "2024-01-18T15:00:00" + T, "2024-01-18T16:00:00" + T, att=ATT))
case("add-eucjp-base64", mail("[登録] 来客：A社 訪問", simple("2024年01月19日（金） 10:00 ～ 2024年01月19日（金） 12:00", "来客:A社 訪問"), cs="euc"),
     exp("add", "A社 訪問", "来客", "2024-01-19T10:00:00" + T, "2024-01-19T12:00:00" + T, att=ATT))
case("add-utf8-qp", mail("[登録] 会議：振り返り", simple("2024年01月22日（月） 17:00 ～ 2024年01月22日（月） 18:00", "会議:振り返り"), cs="utf8", cte="quoted-printable"),
     exp("add", "振り返り", "会議", "2024-01-22T17:00:00" + T, "2024-01-22T18:00:00" + T, att=ATT))
case("add-utf8-base64", mail("[登録] 会議：週次", simple("2024年01月23日（火） 10:00 ～ 2024年01月23日（火） 10:30", "会議:週次"), cs="utf8"),
     exp("add", "週次", "会議", "2024-01-23T10:00:00" + T, "2024-01-23T10:30:00" + T, att=ATT))
case("add-fullwidth-brackets", mail("［登録］ 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00")),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("cp932-extensions", mail("[登録] 打合せ：第Ⅱ期 ①キックオフ",
     "日時　　：2024年02月01日（木） 10:00 ～ 2024年02月01日（木） 11:00\n予定　　：打合せ:第Ⅱ期 ①キックオフ\n参加者　：髙橋 一郎,山﨑 次郎,ｻﾄｳ ﾕｳｷ\n施設　　：№3会議室\n会社名　：㈱サンプル\nメモ　　：\n"),
     exp("add", "第Ⅱ期 ①キックオフ", "打合せ", "2024-02-01T10:00:00" + T, "2024-02-01T11:00:00" + T,
         att=["髙橋 一郎", "山﨑 次郎", "ｻﾄｳ ﾕｳｷ"], fac=["№3会議室"]))
EN = "Date and time: {when}\nAppointment: {appt}\nAttendees: Taro Yamada,Hanako Sato\nFacilities: Room 701\nNotes:\n{memo}\n"
ENATT = ["Taro Yamada", "Hanako Sato"]
case("en-add", mail("[Add] Meeting:Weekly sync", EN.format(when="Mon, January 15, 2024 10:00 - Mon, January 15, 2024 11:00", appt="Meeting:Weekly sync", memo="Bring notes"), cs="utf8"),
     exp("add", "Weekly sync", "Meeting", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ENATT, fac=["Room 701"], memo="Bring notes"))
case("en-edit", mail("[Edit] Meeting:Weekly sync", EN.format(when="Tue, January 16, 2024 9:00 - Tue, January 16, 2024 9:45", appt="Meeting:Weekly sync", memo=""), cs="utf8"),
     exp("edit", "Weekly sync", "Meeting", "2024-01-16T09:00:00" + T, "2024-01-16T09:45:00" + T, att=ENATT, fac=["Room 701"]))
case("en-delete", mail("[Delete] Meeting:Weekly sync", EN.format(when="Wed, January 17, 2024 10:00 - Wed, January 17, 2024 11:00", appt="Meeting:Weekly sync", memo=""), cs="utf8", cte="quoted-printable"),
     exp("delete", "Weekly sync", "Meeting", "2024-01-17T10:00:00" + T, "2024-01-17T11:00:00" + T, att=ENATT, fac=["Room 701"]))
case("en-set", mail("[Set] Interview", EN.format(when="Thu, February 1, 2024 14:00 - Thu, February 1, 2024 15:00", appt="Interview", memo=""), cs="utf8"),
     exp("confirm", "Interview", "", "2024-02-01T14:00:00" + T, "2024-02-01T15:00:00" + T, att=ENATT, fac=["Room 701"]))

# --- ignored mails -----------------------------------------------------------
case("ignore-attend", mail("[出席] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00")), ignore())
case("ignore-absent", mail("[欠席] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00")), ignore())
case("ignore-facility-request", mail("[施設の利用申請] 第1会議室", "施設　　：第1会議室\n"), ignore())
case("ignore-workflow", mail("[ワークフロー] 経費精算の承認依頼", "申請番号：123\n"), ignore())
case("ignore-forward", mail("Fwd: [登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"), frm="taro@example.jp", mailer=False), ignore())
case("ignore-reply-from-garoon", mail("Re: [登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00")), ignore())
case("ignore-other-sender", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"), frm="someone@example.jp", mailer=False), ignore())
case("ignore-lookalike-domain", mail("[削除] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"), frm="no-reply@cybozu.com.example.net", mailer=False), ignore())
case("mailer-only-onprem-sender", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"), frm="Garoon <garoon@corp.example.jp>"),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))

# --- date and time forms ------------------------------------------------------
case("multiday-timed", mail("[登録] 出張：大阪", simple("2024年03月11日（月） 13:00 ～ 2024年03月13日（水） 12:00", "出張:大阪")),
     exp("add", "大阪", "出張", "2024-03-11T13:00:00" + T, "2024-03-13T12:00:00" + T, att=ATT))
case("start-only", mail("[登録] 会議：電話", simple("2024年01月15日（月） 10:00", "会議:電話")),
     exp("add", "電話", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T10:00:00" + T, att=ATT))
case("start-only-trailing-tilde", mail("[登録] 会議：電話", simple("2024年01月15日（月） 10:00 ～", "会議:電話")),
     exp("add", "電話", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T10:00:00" + T, att=ATT))
case("allday-marker-with-times", mail("[登録] 休暇：有給", simple("2024年01月15日（月） 00:00 ～ 2024年01月15日（月） 23:59（終日）", "休暇:有給")),
     exp("add", "有給", "休暇", "2024-01-15", "2024-01-16", True, att=ATT))
case("allday-marker-only", mail("[登録] 休暇：有給", simple("2024年01月15日（月）（終日）", "休暇:有給")),
     exp("add", "有給", "休暇", "2024-01-15", "2024-01-16", True, att=ATT))
case("allday-date-range", mail("[登録] 研修：新人研修", simple("2024年01月15日（月） ～ 2024年01月17日（水）", "研修:新人研修"), cs="utf8"),
     exp("add", "新人研修", "研修", "2024-01-15", "2024-01-18", True, att=ATT))
case("date-only", mail("[登録] 締切", simple("2024年01月31日（水）", "締切")),
     exp("add", "締切", "", "2024-01-31", "2024-02-01", True, att=ATT))
case("not-allday-0000-2359", mail("[登録] 会議：終日会議", simple("2024年01月15日（月） 00:00 ～ 2024年01月15日（月） 23:59", "会議:終日会議")),
     exp("add", "終日会議", "会議", "2024-01-15T00:00:00" + T, "2024-01-15T23:59:00" + T, att=ATT))
case("slash-date", mail("[登録] 会議：定例", simple("2024/01/15（月） 10:00 ～ 2024/01/15（月） 11:00")),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("noyear-next-year", mail("[登録] 会議：新年会", simple("01月05日（金） 18:00 ～ 01月05日（金） 20:00", "会議:新年会"), date="Thu, 28 Dec 2023 17:00:00 +0900"),
     exp("add", "新年会", "会議", "2024-01-05T18:00:00" + T, "2024-01-05T20:00:00" + T, att=ATT))
case("noyear-previous-year", mail("[変更] 会議：忘年会", simple("12月27日（水） 18:00 ～ 12月27日（水） 20:00", "会議:忘年会"), date="Wed, 03 Jan 2024 09:00:00 +0900"),
     exp("edit", "忘年会", "会議", "2023-12-27T18:00:00" + T, "2023-12-27T20:00:00" + T, att=ATT))
case("noyear-utc-date-header", mail("[登録] 会議：朝会", simple("1月1日（月） 9:00 ～ 1月1日（月） 9:15", "会議:朝会"), date="Sun, 31 Dec 2023 16:00:00 +0000"),
     exp("add", "朝会", "会議", "2024-01-01T09:00:00" + T, "2024-01-01T09:15:00" + T, att=ATT))
case("twelve-hour", mail("[登録] 会議：昼会", simple("2024年01月15日（月） 午前11:30 ～ 2024年01月15日（月） 午後1:00", "会議:昼会")),
     exp("add", "昼会", "会議", "2024-01-15T11:30:00" + T, "2024-01-15T13:00:00" + T, att=ATT))
case("twelve-hour-noon-midnight", mail("[登録] 作業：夜間作業", simple("2024年01月15日（月） 午前12:30 ～ 2024年01月15日（月） 午後12:00", "作業:夜間作業")),
     exp("add", "夜間作業", "作業", "2024-01-15T00:30:00" + T, "2024-01-15T12:00:00" + T, att=ATT))
case("twelve-hour-pm0", mail("[登録] 会議：昼", simple("2024年01月15日（月） 午後0:15 ～ 2024年01月15日（月） 午後0:45", "会議:昼")),
     exp("add", "昼", "会議", "2024-01-15T12:15:00" + T, "2024-01-15T12:45:00" + T, att=ATT))
case("kanji-time", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10時00分 ～ 2024年01月15日（月） 11時")),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("halfwidth-weekday-no-spaces", mail("[登録] 会議：定例", simple("2024年1月5日(金)9:00～2024年1月5日(金)9:30")),
     exp("add", "定例", "会議", "2024-01-05T09:00:00" + T, "2024-01-05T09:30:00" + T, att=ATT))
case("ascii-tilde", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ~ 2024年01月15日（月） 11:00"), cs="utf8"),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("wavedash-eucjp", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 〜 2024年01月15日（月） 11:00"), cs="euc"),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))

# --- repeats -------------------------------------------------------------------
R = "日時　　：{rule}\n期間　　：{period}\n予定　　：会議:朝会\n参加者　：開発部\nメモ　　：\n"
DEV = ["開発部"]
case("repeat-daily", mail("[登録] 会議：朝会", R.format(rule="毎日 08:45 ～ 09:00", period="2024年04月01日（月）～2024年04月30日（火）")),
     exp("add", "朝会", "会議", "2024-04-01T08:45:00" + T, "2024-04-01T09:00:00" + T, rec=["RRULE:FREQ=DAILY;UNTIL=20240430T145959Z"], att=DEV))
case("repeat-weekdays", mail("[登録] 会議：朝会", R.format(rule="毎日（土日を除く） 10:00 ～ 13:00", period="2020年06月13日（土）～2020年06月16日（火）"), cs="jis"),
     exp("add", "朝会", "会議", "2020-06-15T10:00:00" + T, "2020-06-15T13:00:00" + T, rec=["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20200616T145959Z"], att=DEV))
case("repeat-weekly", mail("[登録] 会議：朝会", R.format(rule="毎週月曜日 10:00 ～ 10:30", period="2024年04月03日（水）～2024年06月30日（日）")),
     exp("add", "朝会", "会議", "2024-04-08T10:00:00" + T, "2024-04-08T10:30:00" + T, rec=["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20240630T145959Z"], att=DEV))
case("repeat-nth-weekday", mail("[登録] 会議：朝会", R.format(rule="毎月第2火曜日 13:00 ～ 14:00", period="2024年01月01日（月）～2024年12月31日（火）"), cs="euc"),
     exp("add", "朝会", "会議", "2024-01-09T13:00:00" + T, "2024-01-09T14:00:00" + T, rec=["RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20241231T145959Z"], att=DEV))
case("repeat-last-weekday", mail("[登録] 会議：朝会", R.format(rule="毎月最終金曜日 17:00 ～ 18:00", period="2024年02月01日（木）～2024年03月31日（日）"), cs="utf8"),
     exp("add", "朝会", "会議", "2024-02-23T17:00:00" + T, "2024-02-23T18:00:00" + T, rec=["RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20240331T145959Z"], att=DEV))
case("repeat-monthday", mail("[登録] 会議：朝会", R.format(rule="毎月25日 15:00 ～ 16:00", period="2024年01月26日（金）～2024年06月30日（日）")),
     exp("add", "朝会", "会議", "2024-02-25T15:00:00" + T, "2024-02-25T16:00:00" + T, rec=["RRULE:FREQ=MONTHLY;BYMONTHDAY=25;UNTIL=20240630T145959Z"], att=DEV))
case("repeat-allday", mail("[削除] 会議：朝会", R.format(rule="毎週金曜日（終日）", period="2024年01月01日（月）～2024年01月31日（水）")),
     exp("delete", "朝会", "会議", "2024-01-05", "2024-01-06", True, rec=["RRULE:FREQ=WEEKLY;BYDAY=FR;UNTIL=20240131T145959Z"], att=DEV))
case("repeat-noyear-period", mail("[登録] 会議：朝会", R.format(rule="毎週水曜日 9:00 ～ 9:30", period="12月01日（金）～3月31日（日）"), date="Mon, 27 Nov 2023 10:00:00 +0900"),
     exp("add", "朝会", "会議", "2023-12-06T09:00:00" + T, "2023-12-06T09:30:00" + T, rec=["RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20240331T145959Z"], att=DEV))

# --- tentative, fields, memo -----------------------------------------------------
case("tentative-continuation", mail("[登録] 会議：日程調整",
     "日時候補：2024年02月05日（月） 10:00 ～ 2024年02月05日（月） 11:00\n　　　　　2024年02月06日（火） 14:00 ～ 2024年02月06日（火） 15:00\n予定　　：会議:日程調整\n参加者　：山田 太郎\nメモ　　：\n"),
     exp("add", "日程調整", "会議", "2024-02-05T10:00:00" + T, "2024-02-05T11:00:00" + T, att=["山田 太郎"]))
case("tentative-repeated-lines", mail("[登録] 会議：日程調整",
     "日時候補：2024年02月07日（水） 10:00 ～ 2024年02月07日（水） 11:00\n日時候補：2024年02月08日（木） 10:00 ～ 2024年02月08日（木） 11:00\n予定　　：会議:日程調整\nメモ　　：\n", cs="utf8"),
     exp("add", "日程調整", "会議", "2024-02-07T10:00:00" + T, "2024-02-07T11:00:00" + T))
case("memo-multiline", mail("[登録] 会議：定例",
     "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\n予定　　：会議:定例\nメモ　　：最初の行\n\n2行目   \n日時：これはメモです\n参加者：メモの中\nhttps://example.jp/a?b=c\n\n\n"),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T,
         memo="最初の行\n\n2行目\n日時：これはメモです\n参加者：メモの中\nhttps://example.jp/a?b=c"))
case("rsvp-split-lists", mail("[変更] 会議：定例",
     "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\n予定　　：会議:定例\n出席　　：山田 太郎,佐藤 花子\n欠席　　：鈴木 一郎\n未回答　：田中 次郎，経理部\n施設　　：第1会議室、プロジェクター,本館 大ホール\nメモ　　：\n"),
     exp("edit", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T,
         att=["山田 太郎", "佐藤 花子", "鈴木 一郎", "田中 次郎", "経理部"], fac=["第1会議室", "プロジェクター", "本館 大ホール"]))
case("title-with-colons", mail("[登録] 来客：A社:製品デモ", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00", "来客:A社:製品デモ")),
     exp("add", "A社:製品デモ", "来客", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("fullwidth-colon-menu", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00", "会議：定例")),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("title-from-subject", mail("[登録] 会議：件名だけ", "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\nメモ　　：\n"),
     exp("add", "件名だけ", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T))
case("unknown-labels-company", mail("[登録] 来客：B社",
     "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\n予定　　：来客:B社\n会社名　：株式会社B\n住所　　：東京都千代田区\n電話番号：03-0000-0000\n添付ファイル：資料.pdf\n不明な項目：なにか\nメモ　　：\n"),
     exp("add", "B社", "来客", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T))


# --- more MIME variants ----------------------------------------------------------
case("subject-utf8-q-words", mail("[登録] 会議：Q エンコードの件名", simple("2024年01月24日（水） 10:00 ～ 2024年01月24日（水） 11:00", "会議:Q エンコードの件名"), cs="utf8", cte="quoted-printable", subj_enc="Q"),
     exp("add", "Q エンコードの件名", "会議", "2024-01-24T10:00:00" + T, "2024-01-24T11:00:00" + T, att=ATT))
case("subject-jis-body-sjis", mail("[変更] 会議：件名はJIS 本文はShift_JIS", simple("2024年01月25日（木） 13:00 ～ 2024年01月25日（木） 14:00", "会議:件名はJIS 本文はShift_JIS"), subj_cs="jis"),
     exp("edit", "件名はJIS 本文はShift_JIS", "会議", "2024-01-25T13:00:00" + T, "2024-01-25T14:00:00" + T, att=ATT))
case("subject-leading-space", mail("  [変更] 会議：定例", simple("2024年01月26日（金） 10:00 ～ 2024年01月26日（金） 11:00"), subj_cs="utf8"),
     exp("edit", "定例", "会議", "2024-01-26T10:00:00" + T, "2024-01-26T11:00:00" + T, att=ATT))
case("from-display-name-uppercase", mail("[登録] 会議：定例", simple("2024年01月29日（月） 10:00 ～ 2024年01月29日（月） 11:00"), cs="jis", cte="7bit",
     frm="=?ISO-2022-JP?B?GyRCJSwlbSE8JXMbKEI=?= <NO-REPLY@CYBOZU.COM>", mailer=False),
     exp("add", "定例", "会議", "2024-01-29T10:00:00" + T, "2024-01-29T11:00:00" + T, att=ATT))
case("sjis-8bit-halfwidth-kana", mail("[登録] 来客：ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ", simple("2024年01月30日（火） 15:00 ～ 2024年01月30日（火） 16:00", "来客:ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ"), cte="8bit"),
     exp("add", "ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ", "来客", "2024-01-30T15:00:00" + T, "2024-01-30T16:00:00" + T, att=ATT))
ALT_BODY = "日時　　：2024年02月13日（火） 10:00 ～ 2024年02月13日（火） 11:30\n予定　　：会議:マルチパート\n参加者　：山田 太郎\nメモ　　：\nHTML 版もあります\n"
case("multipart-alternative", multipart_mail("[登録] 会議：マルチパート", [
        ('text/plain; charset="ISO-2022-JP"', "7bit", encode_body(ALT_BODY, "jis"), ()),
        ('text/html; charset="UTF-8"', "base64", "<html><body><p>日時：2024年02月13日</p></body></html>".encode(), ()),
     ]),
     exp("add", "マルチパート", "会議", "2024-02-13T10:00:00" + T, "2024-02-13T11:30:00" + T, att=["山田 太郎"], memo="HTML 版もあります"))
INNER = "----=_Inner_0123456789"
case("multipart-mixed-nested-attachment", multipart_mail("[登録] 会議：添付あり", [
        ('multipart/alternative; boundary="%s"' % INNER, None,
         ("--%s\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>html</p>\r\n--%s\r\nContent-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: base64\r\n\r\n" % (INNER, INNER)).encode()
         + transfer(encode_body("日時　　：2024年02月14日（水） 16:00 ～ 2024年02月14日（水） 17:00\n予定　　：会議:添付あり\n添付ファイル：議事録.pdf\nメモ　　：\n", "sjis"), "base64")
         + ("--%s--\r\n" % INNER).encode(), ()),
        ('application/pdf; name="minutes.pdf"', "base64", b"%PDF-1.4 fake", ('Content-Disposition: attachment; filename="minutes.pdf"',)),
     ], kind="mixed", subj_cs="sjis"),
     exp("add", "添付あり", "会議", "2024-02-14T16:00:00" + T, "2024-02-14T17:00:00" + T))

# --- more date and time forms ------------------------------------------------------
case("end-time-only", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 11:00")),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T, att=ATT))
case("allday-marker-multiday", mail("[登録] 研修：合宿", simple("2024年01月15日（月） 00:00 ～ 2024年01月17日（水） 23:59（終日）", "研修:合宿"), cs="euc"),
     exp("add", "合宿", "研修", "2024-01-15", "2024-01-18", True, att=ATT))
case("allday-noyear-year-end", mail("[登録] 休暇：年末年始", simple("12月30日（土） ～ 01月03日（水）", "休暇:年末年始"), date="Wed, 20 Dec 2023 18:00:00 +0900"),
     exp("add", "年末年始", "休暇", "2023-12-30", "2024-01-04", True, att=ATT))
case("kanji-time-twelve-hour", mail("[登録] 会議：午後の部", simple("2024年01月15日（月） 午後1時30分 ～ 2024年01月15日（月） 午後3時", "会議:午後の部")),
     exp("add", "午後の部", "会議", "2024-01-15T13:30:00" + T, "2024-01-15T15:00:00" + T, att=ATT))
case("slash-date-halfwidth-noyear-ascii", mail("[登録] 会議：定例", simple("2024/2/5(月) 9:00~2024/2/5(月) 10:00"), cs="utf8"),
     exp("add", "定例", "会議", "2024-02-05T09:00:00" + T, "2024-02-05T10:00:00" + T, att=ATT))
case("en-allday-range", mail("[Add] Business trip:Osaka", EN.format(when="Mon, January 15, 2024 - Wed, January 17, 2024", appt="Business trip:Osaka", memo=""), cs="utf8"),
     exp("add", "Osaka", "Business trip", "2024-01-15", "2024-01-18", True, att=ENATT, fac=["Room 701"]))
case("en-no-spaces-separator", mail("[Edit] Meeting:Planning", EN.format(when="Mon, January 15, 2024 10:00-Mon, January 15, 2024 11:30", appt="Meeting:Planning", memo="Line 1\n\nLine 3"), cs="utf8", cte="quoted-printable"),
     exp("edit", "Planning", "Meeting", "2024-01-15T10:00:00" + T, "2024-01-15T11:30:00" + T, att=ENATT, fac=["Room 701"], memo="Line 1\n\nLine 3"))
case("en-start-only", mail("[Add] Call", EN.format(when="Mon, January 15, 2024 16:00", appt="Call", memo=""), cs="utf8"),
     exp("add", "Call", "", "2024-01-15T16:00:00" + T, "2024-01-15T16:00:00" + T, att=ENATT, fac=["Room 701"]))
case("en-candidates", mail("[Add] Meeting:Scheduling",
     "Candidate dates: Tue, February 6, 2024 10:00 - Tue, February 6, 2024 11:00\n                 Wed, February 7, 2024 14:00 - Wed, February 7, 2024 15:00\nAppointment: Meeting:Scheduling\nAttendees: Taro Yamada\nNotes:\n", cs="utf8"),
     exp("add", "Scheduling", "Meeting", "2024-02-06T10:00:00" + T, "2024-02-06T11:00:00" + T, att=["Taro Yamada"]))
case("en-rsvp-lists", mail("[Edit] Meeting:Review",
     "Date and time: Thu, February 8, 2024 13:00 - Thu, February 8, 2024 14:00\nAppointment: Meeting:Review\nAttending: Taro Yamada, Hanako Sato\nNot attending: Ichiro Suzuki\nNo response: Jiro Tanaka\nFacilities: Room 701,Projector\nAttachments: slides.pdf\nNotes:\n", cs="utf8"),
     exp("edit", "Review", "Meeting", "2024-02-08T13:00:00" + T, "2024-02-08T14:00:00" + T,
         att=["Taro Yamada", "Hanako Sato", "Ichiro Suzuki", "Jiro Tanaka"], fac=["Room 701", "Projector"]))

# --- more repeats ------------------------------------------------------------------
case("repeat-twelve-hour", mail("[登録] 会議：朝会", R.format(rule="毎週木曜日 午後3:00 ～ 午後4:00", period="2024年05月01日（水）～2024年05月31日（金）")),
     exp("add", "朝会", "会議", "2024-05-02T15:00:00" + T, "2024-05-02T16:00:00" + T, rec=["RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20240531T145959Z"], att=DEV))
case("repeat-fourth-weekday-next-month", mail("[登録] 会議：朝会", R.format(rule="毎月第4金曜日 18:00 ～ 19:00", period="2024年03月23日（土）～2024年09月30日（月）"), cs="utf8"),
     exp("add", "朝会", "会議", "2024-04-26T18:00:00" + T, "2024-04-26T19:00:00" + T, rec=["RRULE:FREQ=MONTHLY;BYDAY=4FR;UNTIL=20240930T145959Z"], att=DEV))
case("repeat-delete-series", mail("[削除] 会議：朝会", R.format(rule="毎月第1月曜日 9:30 ～ 10:00", period="2024年07月01日（月）～2024年12月31日（火）"), cs="jis", cte="7bit"),
     exp("delete", "朝会", "会議", "2024-07-01T09:30:00" + T, "2024-07-01T10:00:00" + T, rec=["RRULE:FREQ=MONTHLY;BYDAY=1MO;UNTIL=20241231T145959Z"], att=DEV))
case("delete-single-occurrence", mail("[削除] 会議：朝会", "日時　　：2024年07月08日（月） 09:30 ～ 2024年07月08日（月） 10:00\n予定　　：会議:朝会\n参加者　：開発部\nメモ　　：\n"),
     exp("delete", "朝会", "会議", "2024-07-08T09:30:00" + T, "2024-07-08T10:00:00" + T, att=DEV))
case("repeat-no-spaces-slash-period", mail("[登録] 会議：朝会", R.format(rule="毎日(土日を除く)9:00～9:15", period="2024/04/06(土)～2024/04/12(金)"), cs="euc"),
     exp("add", "朝会", "会議", "2024-04-08T09:00:00" + T, "2024-04-08T09:15:00" + T, rec=["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20240412T145959Z"], att=DEV))
case("repeat-monthday-no-times", mail("[登録] 締切：月次報告", "日時　　：毎月10日\n期間　　：2024年01月11日（木）～2024年06月30日（日）\n予定　　：締切:月次報告\nメモ　　：\n"),
     exp("add", "月次報告", "締切", "2024-02-10", "2024-02-11", True, rec=["RRULE:FREQ=MONTHLY;BYMONTHDAY=10;UNTIL=20240630T145959Z"]))

# --- more fields and memo ----------------------------------------------------------
case("memo-trailing-ideographic-spaces", mail("[登録] 会議：定例",
     "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\n予定　　：会議:定例\nメモ　　：\n\n　\n  インデントは残す　\t\n\n\t\n最後の行　　\n　\n"),
     exp("add", "定例", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T,
         memo="  インデントは残す\n\n\n最後の行"))
case("list-continuation-lines", mail("[登録] 会議：全体会議",
     "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\n予定　　：会議:全体会議\n参加者　：山田 太郎,佐藤 花子,\n　　　　　鈴木 一郎,田中 次郎\n施設　　：本館 大ホール,\n　　　　　プロジェクター\n備考　　：メモではない項目\n　　　　　続きの行\nメモ　　：\n"),
     exp("add", "全体会議", "会議", "2024-01-15T10:00:00" + T, "2024-01-15T11:00:00" + T,
         att=["山田 太郎", "佐藤 花子", "鈴木 一郎", "田中 次郎"], fac=["本館 大ホール", "プロジェクター"]))
case("memo-first-line-after-label", mail("[確定] 会議：日程決定", "日時　　：2024年02月09日（金） 10:00 ～ 2024年02月09日（金） 11:00\n予定　　：会議:日程決定\nメモ　　：候補から決定しました\n会議室は後日連絡します\n", cs="utf8"),
     exp("confirm", "日程決定", "会議", "2024-02-09T10:00:00" + T, "2024-02-09T11:00:00" + T, memo="候補から決定しました\n会議室は後日連絡します"))

# --- more ignored mails ----------------------------------------------------------------
case("ignore-approval", mail("[承認] 施設の利用申請：第1会議室", "施設　　：第1会議室\n申請者　：山田 太郎\n"), ignore())
case("ignore-message", mail("[メッセージ] 資料の件", "差出人　：山田 太郎\n本文です\n", cs="utf8"), ignore())
case("ignore-no-tag-from-garoon", mail("電話メモ：山田さんから", "用件　　：折り返しお願いします\n"), ignore())
case("ignore-en-forward-by-person", mail("FW: [Add] Meeting:Weekly sync", EN.format(when="Mon, January 15, 2024 10:00 - Mon, January 15, 2024 11:00", appt="Meeting:Weekly sync", memo=""),
     cs="utf8", frm="Taro Yamada <taro@example.jp>", mailer=False), ignore())
case("ignore-lookalike-with-display-name", mail("[登録] 会議：定例", simple("2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"),
     frm='"no-reply@cybozu.com" <no-reply@cybozu-com.example.net>', mailer=False), ignore())


def main():
    os.makedirs("mail", exist_ok=True)
    expected = {}
    for i, (name, eml, e) in enumerate(CASES, 1):
        base = "%02d-%s" % (i, name)
        with open(os.path.join("mail", base + ".eml"), "wb") as f:
            f.write(eml)
        with open(os.path.join("mail", base + ".json"), "w") as f:
            json.dump({k: e[k] for k in FIELDS}, f, ensure_ascii=False, indent=2)
            f.write("\n")
        expected[base + ".eml"] = e
    with open(os.path.join("mail", "EXPECTED.json"), "w") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    print(len(CASES), "mails")


if __name__ == "__main__":
    main()
