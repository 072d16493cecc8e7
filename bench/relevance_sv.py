"""A Swedish relevance set for the archive search: comments as a municipality gets them, and
queries a registrar types, each with the comments that answer it (judged by hand).

`score(search)` runs every query through `search(query) -> set of comment keys` and returns
recall and precision per kind of query: inflected and definite forms, compounds found by a part,
names, and misspellings (which full-text search does not correct: counted honestly).
"""

from dataclasses import dataclass

# key: (text, author name)
COMMENTS: dict[str, tuple[str, str]] = {
    "plow1": ("När plogas vår gata? Vi har inte kommit ut på tre dagar.", "Karin Lind"),
    "plow2": ("Tack till er som plogar så tidigt på morgonen!", "Erik Holm"),
    "plow3": ("Har det plogats på Kyrkogatan i dag?", "Maria Nyström"),
    "plow4": ("Ni borde ploga cykelbanorna först, inte bilvägarna.", "Anders Berg"),
    "plow5": ("Plogbilen körde sönder vår brevlåda i natt.", "Lena Sjöberg"),
    "plow6": ("Snöröjningen vid skolan fungerar inte alls.", "Per Wallin"),
    "fee1": ("Varför höjs avgiften för förskolan igen?", "Sara Lundin"),
    "fee2": ("Avgifterna för hemtjänsten är för höga för pensionärer.", "Birgitta Eklund"),
    "fee3": ("Vilka avgifter gäller för bygglov i år?", "Johan Björk"),
    "fee4": ("Jag betalar en avgift varje månad men får ingen faktura.", "Ulla Holmberg"),
    "fee5": ("Parkeringsavgiften i centrum är orimlig.", "Nils Forsberg"),
    "fee6": ("Taxan för sophämtning har ändrats, var hittar jag den nya?", "Emma Lindgren"),
    "school1": ("Skolan på Norrby behöver nya fönster.", "Lars Olsson"),
    "school2": ("Alla skolor borde ha gratis frukost.", "Kerstin Wikström"),
    "school3": ("Skolornas lunch är bättre i år, tack!", "Mikael Jansson"),
    "school4": ("Min son byter skola till hösten, hur anmäler vi det?", "Åsa Nordström"),
    "school5": ("Förskolan på Ekbacken har för få pedagoger.", "Göran Viklund"),
    "school6": ("Skolgården är full av glas efter helgen.", "Märta Bergman"),
    "permit1": ("Hur lång tid tar en bygglovsansökan i kommunen?", "Fredrik Isaksson"),
    "permit2": ("Min ansökan om bygglov har legat i fyra månader.", "Gunilla Claesson"),
    "permit3": ("Jag skickade in ansökan om förskoleplats i mars.", "Hans Mattsson"),
    "permit4": ("Ansökningarna om föreningsbidrag, när är sista dag?", "Johanna Sandberg"),
    "permit5": ("Går det att göra bygglovsansökningar digitalt?", "Sven Danielsson"),
    "fine1": ("Jag fick parkeringsböter utanför simhallen trots att skylten saknas.", "Olof Lundberg"),
    "fine2": ("Böterna för nedskräpning borde vara högre.", "Ingrid Pettersson"),
    "fine3": ("Hur överklagar man böter från kommunens parkeringsvakter?", "Björn Axelsson"),
    "fine4": ("Felparkeringsavgiften på 800 kronor är för mycket.", "Eva Gustafsson"),
    "lib1": ("Biblioteket borde ha öppet på söndagar.", "Anna Karlsson"),
    "lib2": ("Bibliotekets nya öppettider passar inte barnfamiljer.", "Karl Nilsson"),
    "lib3": ("Finns det något bibliotek i Söderby?", "Peter Persson"),
    "lib4": ("Stadsbiblioteket har fått en fin ny läshörna.", "Jan Jönsson"),
    "pool1": ("Simhallen är stängd igen, varför?", "Örjan Bengtsson"),
    "pool2": ("Simhallens bastu är trasig sedan en vecka.", "Lena Hansson"),
    "pool3": ("Barnen älskar den nya simhallen!", "Emma Andersson"),
    "light1": ("Gatubelysningen på Björkvägen är släckt.", "Kerstin Lindqvist"),
    "light2": ("Belysningen i tunneln vid stationen fungerar inte.", "Karin Samuelsson"),
    "light3": ("Lamporna i motionsspåret lyser inte efter klockan nio.", "Per Fransson"),
    "play1": ("Lekplatsen vid Tallåsen har trasiga gungor.", "Maria Bergqvist"),
    "play2": ("Fler lekplatser behövs i Västra hamnen.", "Anders Löfgren"),
    "play3": ("Gungorna på lekplatsen i parken är borta.", "Sara Söderberg"),
    "waste1": ("Sophämtningen har missat oss två veckor i rad.", "Erik Nyberg"),
    "waste2": ("När hämtas soporna i Kyrkbyn under julen?", "Ulla Blomqvist"),
    "waste3": ("Återvinningscentralen borde ha längre öppettider.", "Lars Eliasson"),
    "waste4": ("Soptunnan blev inte tömd i tisdags.", "Mikael Mårtensson"),
    "road1": ("Vägarbetet på Storgatan skapar långa köer.", "Johan Lundström"),
    "road2": ("Det är stora hål i vägen vid Mossen.", "Birgitta Björklund"),
    "road3": ("Potthålen på Ringvägen har blivit värre.", "Nils Eriksson"),
    "road4": ("Hur länge pågår vägarbetena vid centrum?", "Åsa Johansson"),
    "care1": ("Hemtjänsten kom inte till min mamma i går.", "Göran Karlsson"),
    "care2": ("Äldreboendet på Hagalund har för lite personal.", "Märta Svensson"),
    "care3": ("Personalen på äldreboendena gör ett fantastiskt jobb.", "Fredrik Larsson"),
    "water1": ("Vattenledningen läcker vid torget.", "Hans Olsson"),
    "water2": ("Vattnet är brunt i kranen sedan i morse.", "Johanna Persson"),
    "water3": ("När blir vattenläckan på Parkvägen lagad?", "Sven Lindberg"),
    "bus1": ("Bussen till Ängsvik är alltid sen.", "Olof Jakobsson"),
    "bus2": ("Busshållplatsen vid kommunhuset saknar tak.", "Ingrid Magnusson"),
    "bus3": ("Skolbussarna är överfulla på morgonen.", "Björn Holm"),
    "tag1": ("Skyltningen vid <Storgatan> och <parkeringen> är fel.", "Eva Engström"),
    "name1": ("Tack till Kerstin Holmberg på växeln för snabb hjälp!", "Anna Lundqvist"),
    "name2": ("Fråga till kommunalrådet Mats Wallin om budgeten.", "Karl Gunnarsson"),
    "name3": ("Rektor Lindström svarar aldrig på mejl.", "Peter Arvidsson"),
    "other1": ("Vad fin hemsidan blev!", "Jan Henriksson"),
    "other2": ("Kan ni lägga upp fler bilder från midsommarfirandet?", "Örjan Lind"),
    "other3": ("Tack för en trevlig kväll på kulturhuset.", "Lena Nilsson"),
    "other4": ("Isen på sjön är inte säker än.", "Emma Claesson"),
    "other5": ("Polisen var på plats vid torget i går kväll.", "Sara Holm"),
}


@dataclass(frozen=True)
class Query:
    kind: str  # "inflection", "definite", "compound", "name", "typo"
    text: str
    relevant: frozenset[str]


def _q(kind: str, text: str, *relevant: str) -> Query:
    return Query(kind, text, frozenset(relevant))


# plogbil: plog is the noun of ploga.
PLOW = ("plow1", "plow2", "plow3", "plow4", "plow5")
FEE = ("fee1", "fee2", "fee3", "fee4")
# Every comment with the word, as it is or as a part of a compound (förskola, skolgård, skolbuss).
SCHOOL = ("school1", "school2", "school3", "school4", "school5", "school6", "plow6", "bus3", "fee1")
QUERIES: list[Query] = [
    # The same word inflected: each form finds the others.
    _q("inflection", "plogas", *PLOW),
    _q("inflection", "plogar", *PLOW),
    _q("inflection", "plogat", *PLOW),
    _q("inflection", "ploga", *PLOW),
    _q("inflection", "avgift", *FEE, "fee5", "fine4"),
    _q("inflection", "avgifter", *FEE, "fee5", "fine4"),
    _q("inflection", "skolor", *SCHOOL),
    _q("inflection", "skola", *SCHOOL),
    _q("inflection", "lekplatser", "play1", "play2", "play3"),
    _q("inflection", "ansökningar", "permit4", "permit5"),
    _q("inflection", "böter", "fine1", "fine2", "fine3"),
    _q("inflection", "vägarbete", "road1", "road4"),
    _q("inflection", "äldreboende", "care2", "care3"),
    _q("inflection", "hämta", "waste2", "waste1", "fee6"),  # hämtning is the noun of hämta
    _q("inflection", "buss", "bus1", "bus2", "bus3"),
    # Definite and genitive forms.
    _q("definite", "avgiften", *FEE, "fee5", "fine4"),
    _q("definite", "skolan", *SCHOOL),
    _q("definite", "biblioteket", "lib1", "lib2", "lib3", "lib4"),
    _q("definite", "bibliotekets", "lib1", "lib2", "lib3", "lib4"),
    _q("definite", "simhallen", "pool1", "pool2", "pool3", "fine1"),
    _q("definite", "lekplatsen", "play1", "play2", "play3"),
    _q("definite", "böterna", "fine1", "fine2", "fine3"),
    _q("definite", "vattnet", "water1", "water2", "water3"),
    _q("definite", "gungorna", "play1", "play3"),
    _q("definite", "personalen", "care2", "care3"),
    # A compound found by a part, and a part found in compounds.
    _q("compound", "ansökan", "permit1", "permit2", "permit3"),
    _q("compound", "bygglovsansökan", "permit1"),
    _q("compound", "bygglov", "fee3", "permit1", "permit2", "permit5"),
    _q("compound", "snöröjning", "plow6"),
    _q("compound", "belysning", "light1", "light2"),
    _q("compound", "gatubelysning", "light1"),
    _q("compound", "hämtning", "waste1", "fee6"),
    _q("compound", "bibliotek", "lib1", "lib2", "lib3", "lib4"),
    _q("compound", "läcka", "water1", "water3"),
    _q("compound", "parkeringsavgift", "fee5", "fine4"),
    _q("compound", "hållplats", "bus2"),
    _q("compound", "Storgatan", "road1", "tag1"),
    # Names of people in the text and of the writers.
    _q("name", "Holmberg", "name1", "fee4"),
    _q("name", "Wallin", "name2", "plow6"),
    _q("name", "Lindström", "name3"),
    _q("name", "Kerstin", "name1", "school2", "light1"),
    _q("name", "Mats Wallin", "name2"),
    # Misspellings: full-text search does not correct them.
    _q("typo", "bibliotket", "lib1", "lib2", "lib3", "lib4"),
    _q("typo", "simhalen", "pool1", "pool2", "pool3", "fine1"),
    _q("typo", "parkeringsbötter", "fine1"),
    _q("typo", "Holmbeg", "name1", "fee4"),
]
KINDS = ("inflection", "definite", "compound", "name", "typo")


@dataclass
class Scores:
    queries: int = 0
    relevant: int = 0
    found_relevant: int = 0
    found: int = 0
    misses: list[tuple[str, list[str], list[str]]] | None = None

    @property
    def recall(self) -> float:
        return self.found_relevant / self.relevant if self.relevant else 1.0

    @property
    def precision(self) -> float:
        return self.found_relevant / self.found if self.found else 1.0


def score(search) -> dict[str, Scores]:
    """Recall and precision per kind of query (and "all"), summed over the queries' hits."""
    scores = {kind: Scores(misses=[]) for kind in (*KINDS, "all")}
    for query in QUERIES:
        hits = set(search(query.text))
        for kind in (query.kind, "all"):
            entry = scores[kind]
            entry.queries += 1
            entry.relevant += len(query.relevant)
            entry.found += len(hits)
            entry.found_relevant += len(hits & query.relevant)
            if hits != query.relevant:
                entry.misses.append(
                    (query.text, sorted(query.relevant - hits), sorted(hits - query.relevant))
                )
    return scores
