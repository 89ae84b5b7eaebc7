"""Plain-data word lists for reading requests written in regional Indonesian, chat or English.

Nothing here names a catalog service: the lists say what a word means in standard Indonesian
("kamek" is "saya", "mboten" is "tidak", "outage" is "gangguan"), which words only wrap a letter
("Dengan hormat", "Demikian ..."), which words mark the request itself ("mohon", "butuh"), and
which words complain about how a request was handled rather than ask for a service. The
matcher compares these standard forms with the catalog's own words, so a new catalog needs no
change here.
"""

from __future__ import annotations


def _words(block: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text."""
    return frozenset(block.split())


def _pairs(block: str) -> dict[str, str]:
    """Lines "a b c = d e" -> {"a": "d e", "b": "d e", "c": "d e"}; keys may run over several
    lines (the entry ends at the line with "="); an empty value (" = ;") drops the words."""
    out: dict[str, str] = {}
    keys: list[str] = []
    for line in block.splitlines():
        head, sep, value = line.partition("=")
        keys.extend(head.split())
        if sep:
            for key in keys:
                out[key] = " ".join(value.replace(";", " ").split())
            keys = []
    return out


# Regional speech as requesters type it. Malay of Pontianak and Bangka ("kamek", "nda", "dak",
# "ape", "macam mane"), Banjar ("ulun", "kada", "handak"), Javanese and Banyumasan ("mboten",
# "nyuwun", "kula", "inyong", "teng", "kanggo"), Sundanese ("abdi", "teu", "hoyong") and Betawi
# chat ("kagak", "udeh"). Values are standard Indonesian; empty drops a pure filler.
DIALECT: dict[str, str] = _pairs(
    """
    kamek kame awak ulun kula kulo kulo inyong nyong abdi aing sayah = saya
    kitak kitorang pian sampeyan panjenengan sampean slira = anda
    nda ndak ndk indak tadak dak endak kada ora ra mboten boten mbotten henteu teu kaga
        kagak gak nggak ngga enggak enda tdak tidk = tidak
    ape apo naon = apa
    ngape ngapa kenape ngapo kenging = kenapa
    cemane camne camane macammane kekmane kepriwe priwe pripun kepiye piye kumaha kayapa
        gimane = bagaimana
    mane endi pundi = mana
    nak nek handak hoyong badhe bade arep ajeng pengen pingin kepengin = mau
    dah lah wis uwis wes sampun parantos = sudah
    lom lum blom durung dereng = belum
    bile kapan kapanne = kapan
    same karo kaliyan kro = sama
    bise pacak kawa iso isa saged tiasa = bisa
    nian nemen pisan sanget = banget
    punye gadah kagungan = punya
    kinek kinin saiki sakniki = sekarang
    sesuk mbenjing enjang isuk = besok
    kemaren wingi wingenane kamari = kemarin
    enjing = pagi
    dinten dino = hari
    niki iki ieu = ini
    niku kuwi iku eta tuh = itu
    teng ning neng = di
    kanggo nggo kangge pikeun = untuk
    nyuwun njaluk neda nyuhunkeun mintak = minta
    tulung tulungi tulungin bantuin pitulung = tolong
    nggih inggih njih enggih aok iye iya yoi = ya
    ngapunten nuwun sewu punten = maaf
    sugeng wilujeng = selamat
    matur hatur = terima
    nuwun nuhun = kasih
    rosak rusakk = rusak
    urip hidup = nyala
    ngirim kirimke kirimaken = kirim
    gawe damel ndamel bikinkan bikinin = membuat
    pados golek nggoleki = cari
    wonten enten aya ana = ada
    """
)

# Chat abbreviations that the base table in normalize.py does not have yet.
CHAT: dict[str, str] = _pairs(
    """
    aq sya sayah = saya
    km kmu = kamu
    bngt bgtt bangettt bgd = banget
    emg emang = memang
    mksd maksudnya = maksud
    ttg tntg = tentang
    trkait terkait = terkait
    bbrp = beberapa
    pdhl padahal = padahal
    jd jdi = jadi
    sbg = sebagai
    spt kyk kek = seperti
    krg = kurang
    bnyk byk = banyak
    sgt = sangat
    tsb = tersebut
    kpd = kepada
    thd trhdp = terhadap
    sdr sdri = saudara
    yth = yang terhormat
    dll dsb dst ybs = lain
    gpp gapapa = tidak apa
    dmna dimn = dimana
    ak = saya
    memohon dimohon bermohon = mohon
    meminta diminta mintain = minta
    membutuhkan dibutuhkan butuhkan = butuh
    memerlukan diperlukan perlukan = perlu
    menginginkan = ingin
    mengajukan diajukan ngajuin ngajukan = ajukan
    mls = malas
    cepet cpt = cepat
    bener bnr = benar
    sambung disambung sambungkan disambungkan menyambungkan = koneksi
    pertemuan = rapat
    virtual = online
    """
)

# Everyday English a requester may write instead; IT terms map to the standard Indonesian the
# catalogs use. Words absent here still reach the catalog through English-Indonesian cognate
# spelling (normalize.cognate: "integration" -> "integrasi").
ENGLISH: dict[str, str] = _pairs(
    """
    has have had been being was were am be will would shall should could can may might must
        there here some any someone anyone something anything very really just also still
        keep keeps kept our ours your yours their them they he she him her its us you
        what which who whom whose why when where how since until till while about regarding
        re into onto over under than then so too such only even ever already yet again
        got gets give given like likes would like = ;
    sir madam mister mr mrs ms team regards sincerely best dear = ;
    hi hello hey = halo
    morning = pagi
    afternoon = siang
    evening night = malam
    thank thanks = terima kasih
    yes yeah yep = ya
    nope = tidak
    isnt arent wasnt werent wont didnt havent hasnt couldnt wouldnt shouldnt = tidak
    ask asking question questions = tanya
    need needs needed require required = butuh
    want wants wanted wish would = mau
    request requesting requested get obtain = minta
    apply applying = ajukan
    support = bantuan
    issue issues problems trouble troubles = masalah
    outage outages = gangguan
    unstable intermittent = tidak stabil
    disconnected disconnecting disconnects dropping drops dropped = putus
    broken broke = rusak
    down dead = mati
    slow slowly sluggish laggy lagging = lambat
    fix fixing fixed repair repaired repairing = perbaikan
    install installing installed setup = pasang
    set = atur
    connect connecting = koneksi
    working works work = jalan
    new = baru
    add adding additional extra more = tambah
    change changing replace = ganti
    move moving migrate = pindah
    renew renewal extend = perpanjang
    expired expire expires = kedaluwarsa
    forgot forget forgotten = lupa
    locked = terkunci
    open opening = buka
    create creating make making = membuat
    build building develop developing = membangun
    design designing = desain
    plan planning = perencanaan
    recommend recommends recommended suggestion suggestions suggest = rekomendasi
    advice advise = saran
    buy buying purchase purchasing procure procurement = pengadaan
    equipment hardware = peralatan
    device devices = perangkat
    cable cables cabling wire wiring = kabel
    room = ruang
    hall = aula
    floor = lantai
    building buildings = gedung
    office offices = kantor
    staff staffs officer officers employee employees personnel = petugas
    rude impolite unfriendly = tidak ramah
    complain complains complained = komplain
    disappointed = kecewa
    check checking = cek
    test tests tested testing = uji
    security secure = keamanan
    vulnerability vulnerabilities = kerentanan
    penetration = penetrasi
    load = beban
    app apps application applications = aplikasi
    website websites site sites web = website
    hosted = hosting
    storage = penyimpanan
    store storing save saving = simpan
    backup backups = cadangan
    account accounts = akun
    passwords = password
    mailbox inbox = kotak masuk
    emails mail = email
    meeting meetings = rapat
    conferencing = conference
    press = pers
    journalist journalists reporter reporters = wartawan
    release = siaran
    coverage = liputan
    public = publik
    copy copies = salinan
    report reports = laporan
    annual yearly = tahunan
    document documents = dokumen
    budget = anggaran
    physical = fisik
    rack racks = rak
    place placing = penempatan
    event events = acara
    users user = pengguna
    letter = surat
    system systems = sistem
    day days = hari
    week weeks = minggu
    ready = siap
    deployed deploying deployment = deploy
    uploaded uploading = upload
    integrate integrated integrating = integrasi
    connected = koneksi
    """
)

# Two English or regional words that mean one standard thing.
PHRASES: dict[tuple[str, str], str] = {
    ("macam", "mane"): "bagaimana",
    ("macam", "mana"): "bagaimana",
    ("kaya", "apa"): "bagaimana",
    ("matur", "nuwun"): "terima kasih",
    ("hatur", "nuhun"): "terima kasih",
    ("nuwun", "sewu"): "maaf",
    ("set", "up"): "pasang",
    ("sign", "up"): "daftar",
    ("log", "on"): "masuk",
    ("not", "connected"): "tidak koneksi",
    ("no", "internet"): "tidak internet",
    ("data", "centre"): "data center",
    ("server", "room"): "ruang server",
    ("web", "app"): "aplikasi",
    ("load", "test"): "uji beban",
    ("pen", "test"): "pentest",
    ("annual", "report"): "laporan tahunan",
    ("file", "a"): "ajukan",
    ("jarak", "jauh"): "online",
    ("paling", "lambat"): "",
    ("tukar", "data"): "integrasi data",
    ("pertukaran", "data"): "integrasi data",
    ("surat", "elektronik"): "email",
}

# Related words: an IT word the catalogs seldom use, and the standard words it belongs with.
# The matcher uses them only when the catalog has none of the word itself, at a discount.
RELATED: dict[str, tuple[str, ...]] = {
    word: tuple(value.split())
    for words_, value in (
        (
            "modem ont onu olt hub ethernet utp rj45 fiber fibre optik fo browsing ping rto "
            "dhcp ip wlan bandwidth mbps kbps",
            "jaringan internet",
        ),
        ("splp api webservice endpoint interoperabilitas", "integrasi"),
        ("diretas retas hack hacked hacker dibobol bobol deface defaced celah", "keamanan"),
        ("penetrasi owasp", "pentest"),
        ("cpanel vps", "hosting"),
        ("webinar teams", "video conference"),
        ("tik ict telematika", "informatika komunikasi"),
        ("liputan peliputan jurnalis media humas", "pers"),
        ("drive gdrive onedrive dropbox", "cloud"),
        ("rak", "colocation"),
    )
    for word in words_.split()
}

# What a request wants done, by kind. A product whose own words are mostly of one kind is that
# kind, and any word of the kind is some evidence for it: a repair product that lists "rusak"
# and "mati" also gets "lemah" and "berkedip"; an advice product that lists "cocok" gets "bagus".
INTENTS: dict[str, frozenset[str]] = {
    "repair": _words(
        """
        rusak mati lambat gangguan error putus masalah down hang padam hilang lemah kendala
        macet susah sulit gagal bocor lemot ngadat kedip berkedip perbaikan perbaiki
        pemeliharaan maintenance servis troubleshooting stabil cek periksa
        """
    ),
    "build": _words(
        """
        baru pasang pemasangan tambah penambahan bangun membangun pembangunan pengembangan
        perluasan instal instalasi konfigurasi tarik titik
        """
    ),
    "design": _words(
        """
        rancang perancangan rancangan desain rencana perencanaan topologi arsitektur skema
        gambar gambaran denah layout blueprint konsep
        """
    ),
    "advice": _words(
        """
        rekomendasi saran spesifikasi beli pembelian pengadaan survei merk tipe jenis cocok
        bagus anggaran kebutuhan peralatan alat
        """
    ),
    "test": _words(
        "uji pengujian kelaikan kelayakan layak aman keamanan kerentanan celah pentest beban"
    ),
    "event": _words(
        """
        acara kegiatan rapat pertemuan pelatihan lomba seminar workshop lokakarya sosialisasi
        musyawarah musrenbang upacara peserta pameran festival bimtek pengajian pelantikan
        peluncuran launching
        """
    ),
    "account": _words(
        """
        reset lupa ganti ubah perubahan aktivasi aktif akun daftar pendaftaran hapus blokir
        terblokir terkunci password
        """
    ),
}

# Rooms and halls: an event word right after one names the place ("ruang rapat"), not an event.
PLACES: frozenset[str] = _words("ruang ruangan gedung aula balai rg")

# Words that wrap a letter rather than say what it asks for: salutation, the formulae that
# open and close an official letter, and the parts of a signature block.
LETTER_WORDS: frozenset[str] = _words(
    """
    hormat terhormat yth kepada perihal hal lampiran sifat nomor nip pangkat golongan
    sehubungan berhubungan berkenaan menindaklanjuti tindaklanjut rangka bersama demikian
    kiranya berkenan perhatian kerjasama kerjasamanya diucapkan ucapkan disampaikan
    sampaikan menyampaikan bermaksud dimaksud tersebut atas beritahukan memberitahukan
    laporkan melaporkan pelaksanaan dilaksanakan melaksanakan dilaksanakannya akan adapun
    berikut sebagaimana terlampir tembusan wassalam wassalamualaikum wr wb warahmatullahi
    warahmatullah wabarakatuh sejahtera ttd plt plh pembina penata utama muda madya tk
    bahwa sehingga mengalami dilakukan melakukan terjadi yaitu yakni maka telah pernah
    bertanda tangan berupa
    """
)

# Request markers: what follows one of these is what is being asked for ("Sehubungan dengan
# rapat koordinasi ..., kami mohon fasilitasi video conference"). The nouns count too
# ("permohonan informasi", "permintaan data").
REQUEST_MARKERS: frozenset[str] = _words(
    "mohon minta butuh perlu ingin mau hendak ajukan tolong bantu permohonan permintaan pengajuan"
)

# Things one asks to be given. Right after a request word ("minta data", "butuh dokumen",
# "request informasi") such a word names the service it is a vague name of.
REQUEST_OBJECTS: frozenset[str] = _words(
    "data informasi dokumen salinan arsip berkas laporan statistik"
)

# Complaints about how the office served someone, not requests for a service. A complaint is
# one of COMPLAINT_WORDS; or a word in BEHAVIOUR (unkind whatever follows); or a negated word of
# NEGATED ("tidak ramah", "belum ditanggapi"); or, when a STAFF word says the text is about the
# people serving, a word of STAFF_BEHAVIOUR ("pelayanan lambat") or a negated STAFF_NEGATED
# ("petugas tidak datang").
COMPLAINT_WORDS: frozenset[str] = _words(
    """
    komplain komplen keluhan keluh mengeluh mengeluhkan kecewa mengecewakan protes
    pengaduan aduan mengadu mengadukan adu ngadu pungli pungutan sogok suap calo keberatan
    perlakuan merugikan dirugikan
    """
)
BEHAVIOUR: frozenset[str] = _words(
    """
    judes jutek ketus kasar sombong cuek dicuekin diabaikan mengabaikan membentak bentak
    dipersulit mempersulit berbelit oknum
    """
)
NEGATED: frozenset[str] = _words(
    """
    ramah sopan profesional puas ditanggapi ditanggap tanggap direspon direspons digubris
    dipedulikan ditindaklanjuti dilayani layani kepastian jawaban bertanggung
    """
)
NEGATIONS: frozenset[str] = _words("tidak belum kurang tanpa")
# Who served: "pelayanan" (the serving) and the people; not "layanan" (the service itself).
STAFF: frozenset[str] = _words(
    "petugas pegawai staf staff oknum teknisi pelayanan pelayan pelayanannya petugasnya"
)
STAFF_BEHAVIOUR: frozenset[str] = _words(
    "lambat lama telat terlambat lelet buruk jelek marah tidur malas uang bolak berserakan"
)
STAFF_NEGATED: frozenset[str] = _words("datang respon respons tanggapan diproses jelas membantu")

# A requester's own phone, home, purchases or consumer apps: the desk serves offices, so a text
# about these is not confidently any service ("kuota internet saya habis", "wifi di rumah
# mati"). "Rumah" followed by one of HOME_EXCEPTIONS is an office ("rumah sakit", "rumah dinas").
PERSONAL: frozenset[str] = _words(
    "rumah pribadi pulsa kuota indihome gojek grab shopee tokopedia lazada tiktok instagram"
)
HOME_EXCEPTIONS: frozenset[str] = _words("sakit dinas jabatan potong tahanan susun")
# "Kuota" near one of these is an office's storage or mailbox, not a phone's data allowance.
OFFICE_QUOTA: frozenset[str] = _words(
    "penyimpanan storage cloud hosting email surel server website web disk mailbox opd"
)
