"""Swedish default keywords for the removal grounds, shipped as plain data.

A municipality edits its own copy of these; this module only seeds it. Keys are removal ground codes
(``moderation.flags.RemovalGround``). Matching is case-insensitive and on whole words, so a phrase never
matches inside a longer word.

``DEFAULT_PHRASES``: plain phrases. A space matches any run of whitespace and ``*`` matches the rest of a
word, which covers inflections (``barnporr*`` matches "barnporren", "barnporrbilder").

``DEFAULT_PATTERNS``: regular expressions, for variants a phrase cannot express.

The lists are deliberately narrow: a flag asks a person to look, and words that turn up in ordinary comments
to a municipality ("spränga" in a road works thread, "skjuta upp" a meeting) would drown the real ones.
"""

DEFAULT_PHRASES: dict[str, tuple[str, ...]] = {
    # Uppvigling: urging the public to crime or to defy the authorities.
    "incitement": (
        "ta till vapen",
        "beväpna er",
        "storma kommunhuset",
        "storma stadshuset",
        "storma rådhuset",
        "bränn ner kommunhuset",
        "bränn ner stadshuset",
        "tänd eld på kommunhuset",
        "ta lagen i egna händer",
        "attackera polisen",
        "kasta sten på polisen",
        "vägra lyda polisen",
        "döda alla politiker",
    ),
    # Hets mot folkgrupp: contempt for a group by ethnicity, religion, sexual orientation or gender identity.
    "agitation": (
        "svartskall*",
        "blatt*",
        "neger",
        "negrer",
        "negrerna",
        "judesvin",
        "muslimsvin",
        "rasförrädare",
        "untermensch*",
        "sieg heil",
        "heil hitler",
        "vit makt",
        "white power",
    ),
    # Barnpornografibrott: only terms that cannot mean anything else.
    "csam": (
        "barnporr*",
        "barnpornografi*",
        "pedofilbild*",
        "pedofilfilm*",
        "övergreppsmaterial",
        "övergreppsbild*",
        "nakenbilder på barn",
        "nakenbilder på minderåriga",
        "sexbilder på barn",
        "sexfilmer med barn",
        "pthc",
        "lolicon",
    ),
    # Olaga våldsskildring: spreading depictions of gross violence or sexual violence.
    "unlawful_violence": (
        "halshuggningsvideo*",
        "halshuggningsfilm*",
        "avrättningsvideo*",
        "avrättningsfilm*",
        "tortyrvideo*",
        "tortyrfilm*",
        "mordvideo*",
        "våldtäktsvideo*",
        "våldtäktsfilm*",
        "snuff*",
        "gore",
        "se när han dör",
        "se när hon dör",
    ),
    # Upphovsrättsintrång: pirated copies and where to get them.
    "copyright": (
        "piratkopi*",
        "warez",
        "keygen",
        "torrentlänk*",
        "ladda ner gratis",
        "ladda ned gratis",
        "streama gratis",
        "hela filmen gratis",
        "gratis nedladdning",
        "crackad*",
        "olaglig streaming",
        "olaglig iptv",
    ),
    # Olaga hot.
    "unlawful_threat": (
        "jag ska döda",
        "jag kommer att döda",
        "jag dödar dig",
        "du ska dö",
        "ni ska dö",
        "du kommer att dö",
        "vet var du bor",
        "vet var ni bor",
        "skjuta dig",
        "skjuter dig",
        "skjuta er",
        "slå ihjäl",
        "knivhugga*",
        "bomb",
        "bomben",
        "bombhot*",
        "spränga er",
        "spränga kommunhuset",
        "dina dagar är räknade",
    ),
    # Olaga integritetsintrång: spreading intimate images, health or sexual life details of a person.
    "privacy_violation": (
        "hämndporr*",
        "nakenbild på",
        "nakenbilder på",
        "nakenbilderna på",
        "sexfilm med",
        "sexfilmen med",
        "filmade henne naken",
        "filmade honom naken",
        "läckta nakenbilder",
        "hans sjukjournal",
        "hennes sjukjournal",
        "han har hiv",
        "hon har hiv",
    ),
    # Offentlig uppmaning till terroristbrott.
    "terror_incitement": (
        "heligt krig",
        "jihad",
        "islamiska staten",
        "kalifatet",
        "martyrdöd*",
        "självmordsbomb*",
        "bilbomb*",
        "terrordåd",
        "utför ett attentat",
        "döda de otrogna",
        "raskrig*",
        "repets dag",
    ),
    # Sekretess: signs that a comment discloses protected details about someone.
    "secret_data": (
        "sekretessbelag*",
        "sekretesskydda*",
        "skyddad identitet",
        "skyddade personuppgifter",
        "sekretessmarkering",
        "orosanmälan",
        "orosanmälningar",
        "orosanmälde",
        "lvu",
        "lvm",
        "tvångsomhänderta*",
        "familjehemsplace*",
        "patientjournal*",
    ),
}

DEFAULT_PATTERNS: dict[str, tuple[str, ...]] = {
    "unlawful_threat": (
        r"jag\s+sk(?:a|all)\s+(?:döda|mörda|slakta)\s+(?:dig|er|honom|henne|dem)",
        r"(?:du|ni)\s+sk(?:a|all)\s+(?:dö|brinna)",
    ),
    "agitation": (
        r"(?:blatte|svartskalle|neger|jude|muslim|zigenar|bög|invandrar|arab)jävl(?:ar|arna|e|en)",
    ),
}
