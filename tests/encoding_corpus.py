"""CSV files in the encodings people's spreadsheets and databases write, generated (no network):
short (a header and 3 rows) and long (200 rows) for each language, for the import tests and for
``bench/bench_encodings.py``, which measures the detection rules on them.

Each phrase list starts with phrases that share most bytes with a neighbouring encoding's letters
(so a short file is hard), and the long files cycle through all of them."""

import csv
import io
from dataclasses import dataclass

LONG_ROWS = 200
SHORT_ROWS = 3

# language: (header, phrases)
TEXTS: dict[str, tuple[tuple[str, str, str], list[str]]] = {
    "French": (
        ("numéro", "libellé", "montant"),
        [
            "Fenêtre cassée",
            "Été ensoleillé à Nîmes",
            "Hôtel près de l'église",
            "Crème brûlée",
            "Château de Versailles",
            "À côté de la forêt",
            "Garçon très âgé",
            "Œuvre complète",
            "Où est la gare ?",
            "Noël à Besançon",
            "Café au lait",
            "Élève studieux",
        ],
    ),
    "German": (
        ("Nummer", "Beschreibung", "Betrag"),
        [
            "Größe und Gewicht",
            "Müller aus München",
            "Straße in Köln",
            "Übergröße für Mädchen",
            "Schöne Grüße",
            "Bäckerei Weiß",
            "Fußgängerzone Düsseldorf",
            "Äpfel und Birnen",
            "Öffnungszeiten",
            "Führerschein",
            "Käse aus Nürnberg",
            "Gemüse für Jürgen",
        ],
    ),
    "Spanish": (
        ("número", "descripción", "importe"),
        [
            "Año nuevo en España",
            "¿Dónde está el niño?",
            "Mañana por la mañana",
            "¡Qué día más bonito!",
            "Canción de cuna",
            "Corazón valiente",
            "Señora Muñoz",
            "Pingüino del sur",
            "Árbol de limón",
            "Educación pública",
            "Habitación doble",
            "Jamón ibérico",
        ],
    ),
    "Portuguese": (
        ("número", "descrição", "valor"),
        [
            "Ação de graças",
            "São Paulo",
            "Coração do Brasil",
            "Informação útil",
            "Pão de açúcar",
            "Não há problema",
            "Avó e avô",
            "Lição de português",
            "Órgão público",
            "Atenção à estrada",
            "Três irmãs",
            "Maçã verde",
        ],
    ),
    "Czech": (
        ("číslo", "popis", "částka"),
        [
            "Město Praha",
            "Řeka Vltava",
            "Příliš dlouhá cesta",
            "Žluťoučký kůň",
            "Čeština je těžká",
            "Dobrý den, paní",
            "Náměstí míru",
            "Ústí nad Labem",
            "Hřbitov u kostela",
            "Třešně a višně",
            "Kočka na střeše",
            "Ďábel v detailu",
        ],
    ),
    "Polish": (
        ("numer", "opis", "kwota"),
        [
            "Łódź i Kraków",
            "Gdańsk nad morzem",
            "Pięć złotych",
            "Zażółć gęślą jaźń",
            "Świętokrzyskie góry",
            "Chrząszcz brzmi w trzcinie",
            "Źródło wiedzy",
            "Żółw w ogrodzie",
            "Miłość i przyjaźń",
            "Ćwiczenia poranne",
            "Wrocław, Poznań",
            "Jabłko na śniadanie",
        ],
    ),
    "Hungarian": (
        ("szám", "leírás", "összeg"),
        [
            "Győr és Pécs",
            "Őszi levelek",
            "Hűvös szél fúj",
            "Árvíztűrő tükörfúrógép",
            "Szép napot kívánok",
            "Kötél és kő",
            "Fürdő a Balatonnál",
            "Egészségére",
            "Búcsú a nyártól",
            "Tündér és óriás",
            "Köszönöm szépen",
            "Zöld erdő",
        ],
    ),
    "Russian": (
        ("номер", "описание", "сумма"),
        [
            "Москва",
            "Добрый день",
            "Улица Ленина",
            "Съешь же ещё этих мягких французских булок",
            "Красная площадь",
            "Молоко и хлеб",
            "Новосибирск",
            "Щука в реке",
            "Жёлтый цветок",
            "Экономика и право",
            "Юбилей школы",
            "Ярмарка выходного дня",
        ],
    ),
    "Greek": (
        ("αριθμός", "περιγραφή", "ποσό"),
        [
            "Αθήνα",
            "Καλημέρα σας",
            "Οδός Ερμού",
            "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία",
            "Θάλασσα και ήλιος",
            "Ελληνική γλώσσα",
            "Πάτρα",
            "Ηράκλειο Κρήτης",
            "Ψωμί και τυρί",
            "Ώρα για φαγητό",
            "Φίλοι για πάντα",
            "Χαρά και γέλιο",
        ],
    ),
    "Japanese": (
        ("番号", "説明", "金額"),
        [
            "東京と大阪",
            "こんにちは",
            "日本語の文章",
            "ありがとうございます",
            "新幹線の時刻表",
            "カタカナとひらがな",
            "富士山の景色",
            "桜の季節",
            "ラーメン屋さん",
            "京都の寺",
            "おはようございます",
            "駅の近くのホテル",
        ],
    ),
    "Chinese": (
        ("编号", "说明", "金额"),
        [
            "北京和上海",
            "你好世界",
            "今天天气很好",
            "谢谢你的帮助",
            "中华人民共和国",
            "长城很长",
            "我们学习中文",
            "火车站在哪里",
            "广州的早茶",
            "春节快乐",
            "图书馆开门了",
            "经济发展",
        ],
    ),
    # Not used to tune the detection rule: bench/bench_encodings.py reports them apart.
    "Italian": (
        ("numero", "descrizione", "importo"),
        [
            "Città di Napoli",
            "Perché no?",
            "Più caffè per tutti",
            "Così è la vita",
            "Università degli studi",
            "Però domani",
            "Lunedì mattina",
            "Virtù e qualità",
            "Ragù alla bolognese",
            "Tè verde",
            "Papà e mamma",
            "Gioventù",
        ],
    ),
    "Slovak": (
        ("číslo", "popis", "suma"),
        [
            "Ďakujem pekne",
            "Košice a Žilina",
            "Ľubovnianský hrad",
            "Štúrovo nábrežie",
            "Päť dní v týždni",
            "Môj dom",
            "Kôň na lúke",
            "Dolný Kubín",
            "Čaj o piatej",
            "Trenčín",
            "Mäso a zelenina",
            "Ráno pri rieke",
        ],
    ),
    "Ukrainian": (
        ("номер", "опис", "сума"),
        [
            "Київ і Львів",
            "Добрий день",
            "Їжак у лісі",
            "Ґанок будинку",
            "Європейська площа",
            "Дякую дуже",
            "Харків",
            "Зелений чай",
            "Вулиця Шевченка",
            "Сонячний ранок",
            "Щастя і любов",
            "Річка Дніпро",
        ],
    ),
    "Turkish": (
        ("numara", "açıklama", "tutar"),
        [
            "İstanbul ve Ankara",
            "Günaydın",
            "Çay ve şeker",
            "Öğretmen",
            "Işık ve gölge",
            "Güzel bir gün",
            "Şehir merkezi",
            "Ağaç altında",
            "Kuşadası",
            "Teşekkür ederim",
            "Üsküdar",
            "Iğdır",
        ],
    ),
}

# (language, the encoding a Windows program of that region writes)
LEGACY = [
    ("French", "cp1252"),
    ("German", "cp1252"),
    ("Spanish", "cp1252"),
    ("Portuguese", "cp1252"),
    ("Czech", "cp1250"),
    ("Polish", "cp1250"),
    ("Hungarian", "cp1250"),
    ("Russian", "cp1251"),
    ("Russian", "koi8_r"),
    ("Greek", "cp1253"),
    ("Japanese", "shift_jis"),
    ("Chinese", "gb18030"),
]
HELD_OUT = [
    ("Italian", "cp1252"),
    ("Slovak", "cp1250"),
    ("Ukrainian", "cp1251"),
    ("Turkish", "cp1254"),
]
# Unicode files hold several scripts at once.
UNICODE = [("Mixed", "utf-8"), ("Mixed", "utf-8-sig"), ("Mixed", "utf-16")]
MIXED = ("French", "Czech", "Russian", "Japanese")


@dataclass(frozen=True)
class Case:
    language: str
    encoding: str
    size: str  # "short" or "long"
    header: tuple[str, str, str]
    rows: list[tuple[str, str, str]]

    @property
    def label(self) -> str:
        return f"{self.language} {self.encoding} {self.size}"

    @property
    def descriptions(self) -> list[str]:
        return [row[1] for row in self.rows]

    def data(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue().encode(self.encoding)


def texts_of(language: str) -> tuple[tuple[str, str, str], list[str]]:
    """The header and phrases of ``language`` ("Mixed": several scripts, for Unicode files)."""
    if language != "Mixed":
        return TEXTS[language]
    return TEXTS[MIXED[0]][0], [phrase for name in MIXED for phrase in TEXTS[name][1]]


def _case(language: str, encoding: str, size: str) -> Case:
    header, phrases = texts_of(language)
    count = SHORT_ROWS if size == "short" else LONG_ROWS
    rows = [
        (
            str(number + 1),
            phrases[number % len(phrases)],
            f"{(number * 37) % 1000}.{number % 100:02d}",
        )
        for number in range(count)
    ]
    return Case(language, encoding, size, header, rows)


def cases() -> list[Case]:
    return [
        _case(language, encoding, size)
        for language, encoding in LEGACY + UNICODE
        for size in ("short", "long")
    ]
