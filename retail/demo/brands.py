"""The demo chain's brands: Russian, Belarusian and international names.

Every brand a leaf category lists must be here (a test checks); the order fixes the ids
(``B001``...), so new brands go at the end to keep existing ids stable.
"""
from __future__ import annotations

from .spec import Brand

_TABLE: tuple[tuple[str, str, str], ...] = (
    # dairy
    ("Простоквашино", "Prostokvashino", "RU"), ("Домик в деревне", "Domik v derevne", "RU"),
    ("Parmalat", "Parmalat", "IT"), ("Вкуснотеево", "Vkusnoteevo", "RU"),
    ("Село Зелёное", "Selo Zelyonoye", "RU"), ("Брест-Литовск", "Brest-Litovsk", "BY"),
    ("Danone", "Danone", "FR"), ("Чудо", "Chudo", "RU"), ("Эрмигурт", "Ermigurt", "RU"),
    ("Савушкин", "Savushkin", "BY"), ("Epica", "Epica", "RU"), ("Hochland", "Hochland", "DE"),
    ("President", "President", "FR"), ("Ламбер", "Lamber", "RU"), ("Viola", "Viola", "FI"),
    ("Сыробогатов", "Syrobogatov", "RU"), ("Киприно", "Kiprino", "RU"), ("Galbani", "Galbani", "IT"),
    ("Экомилк", "Ekomilk", "RU"), ("Вологодское", "Vologodskoye", "RU"),
    ("Роскар", "Roskar", "RU"), ("Окское", "Okskoye", "RU"), ("Синявинская", "Sinyavinskaya", "RU"),
    # bakery
    ("Хлебный дом", "Khlebny Dom", "RU"), ("Каравай", "Karavay", "RU"),
    ("Коломенский", "Kolomensky", "RU"), ("Fazer", "Fazer", "FI"), ("Harrys", "Harrys", "FR"),
    ("Витрина", "Vitrina", "RU"), ("Черёмушки", "Cheryomushki", "RU"),
    # produce
    ("Зелёная линия", "Zelyonaya Liniya", "RU"), ("Белая дача", "Belaya Dacha", "RU"),
    ("Агрокомбинат Московский", "Agrokombinat Moskovsky", "RU"),
    # meat and fish
    ("Мираторг", "Miratorg", "RU"), ("Черкизово", "Cherkizovo", "RU"), ("Заречное", "Zarechnoye", "RU"),
    ("Петелинка", "Petelinka", "RU"), ("Приосколье", "Prioskolye", "RU"), ("Индилайт", "Indilight", "RU"),
    ("Русское море", "Russkoye More", "RU"), ("Меридиан", "Meridian", "RU"),
    ("Балтийский берег", "Baltiysky Bereg", "RU"), ("Vici", "Vici", "LT"),
    ("Останкино", "Ostankino", "RU"), ("Папа может", "Papa Mozhet", "RU"), ("Велком", "Velkom", "RU"),
    ("Дымов", "Dymov", "RU"), ("Микоян", "Mikoyan", "RU"),
    # grocery
    ("Увелка", "Uvelka", "RU"), ("Мистраль", "Mistral", "RU"), ("Националь", "Natsional", "RU"),
    ("Ярмарка", "Yarmarka", "RU"), ("Русский продукт", "Russky Produkt", "RU"),
    ("Barilla", "Barilla", "IT"), ("Макфа", "Makfa", "RU"), ("Шебекинские", "Shebekinskiye", "RU"),
    ("De Cecco", "De Cecco", "IT"), ("Русский сахар", "Russky Sakhar", "RU"),
    ("Чайкофский", "Chaikofsky", "RU"), ("Слобода", "Sloboda", "RU"), ("Олейна", "Oleyna", "RU"),
    ("Borges", "Borges", "ES"), ("Heinz", "Heinz", "US"), ("Махеевъ", "Makheev", "RU"),
    ("Calve", "Calve", "NL"), ("Bonduelle", "Bonduelle", "FR"), ("Главпродукт", "Glavprodukt", "RU"),
    ("Дядя Ваня", "Dyadya Vanya", "RU"), ("Greenfield", "Greenfield", "RU"),
    ("Принцесса Нури", "Printsessa Nuri", "RU"), ("Lipton", "Lipton", "GB"),
    ("Ahmad Tea", "Ahmad Tea", "GB"), ("Майский", "Mayskiy", "RU"), ("Tess", "Tess", "RU"),
    ("Jacobs", "Jacobs", "DE"), ("Nescafé", "Nescafe", "CH"), ("Lavazza", "Lavazza", "IT"),
    ("Жокей", "Zhokey", "RU"), ("Живой кофе", "Zhivoy Kofe", "RU"), ("Paulig", "Paulig", "FI"),
    ("Бабаевский", "Babayevsky", "RU"), ("Красный Октябрь", "Krasny Oktyabr", "RU"),
    ("Рот Фронт", "Rot Front", "RU"), ("Alpen Gold", "Alpen Gold", "PL"), ("Milka", "Milka", "DE"),
    ("Ritter Sport", "Ritter Sport", "DE"), ("Коркунов", "Korkunov", "RU"), ("Алёнка", "Alyonka", "RU"),
    ("Семушка", "Semushka", "RU"), ("Nuts for Life", "Nuts for Life", "RU"),
    # drinks
    ("Святой Источник", "Svyatoy Istochnik", "RU"), ("Aqua Minerale", "Aqua Minerale", "RU"),
    ("BonAqua", "BonAqua", "RU"), ("Borjomi", "Borjomi", "GE"), ("Ессентуки", "Yessentuki", "RU"),
    ("Шишкин лес", "Shishkin Les", "RU"), ("Evian", "Evian", "FR"), ("J7", "J7", "RU"),
    ("Добрый", "Dobry", "RU"), ("Rich", "Rich", "RU"), ("Сады Придонья", "Sady Pridonya", "RU"),
    ("Любимый", "Lyubimy", "RU"), ("Черноголовка", "Chernogolovka", "RU"),
    ("Schweppes", "Schweppes", "GB"), ("Frustyle", "Frustyle", "RU"),
    # household
    ("Persil", "Persil", "DE"), ("Ariel", "Ariel", "US"), ("Tide", "Tide", "US"), ("Losk", "Losk", "DE"),
    ("Миф", "Mif", "RU"), ("Ушастый нянь", "Ushasty Nyan", "RU"), ("Synergetic", "Synergetic", "RU"),
    ("Fairy", "Fairy", "US"), ("AOS", "AOS", "RU"), ("Sorti", "Sorti", "RU"), ("Finish", "Finish", "GB"),
    ("Domestos", "Domestos", "GB"), ("Cif", "Cif", "GB"), ("Mr. Proper", "Mr. Proper", "US"),
    ("Пемолюкс", "Pemolux", "RU"), ("Санокс", "Sanox", "RU"), ("Zewa", "Zewa", "SE"),
    ("Papia", "Papia", "RU"), ("Kleenex", "Kleenex", "US"), ("Мягкий знак", "Myagky Znak", "RU"),
    ("Veiro", "Veiro", "RU"),
    # beauty and care
    ("Head & Shoulders", "Head & Shoulders", "US"), ("Pantene", "Pantene", "US"),
    ("Чистая линия", "Chistaya Liniya", "RU"), ("Elseve", "Elseve", "FR"), ("Garnier", "Garnier", "FR"),
    ("Schauma", "Schauma", "DE"), ("Natura Siberica", "Natura Siberica", "RU"),
    ("Colgate", "Colgate", "US"), ("Lacalut", "Lacalut", "DE"), ("Splat", "Splat", "RU"),
    ("Blend-a-med", "Blend-a-med", "DE"), ("Новый жемчуг", "Novy Zhemchug", "RU"),
    ("Oral-B", "Oral-B", "US"), ("Dove", "Dove", "GB"), ("Nivea", "Nivea", "DE"),
    ("Palmolive", "Palmolive", "US"), ("Fa", "Fa", "DE"), ("Le Petit Marseillais", "Le Petit Marseillais", "FR"),
    # children
    ("ФрутоНяня", "FrutoNyanya", "RU"), ("Агуша", "Agusha", "RU"), ("Gerber", "Gerber", "US"),
    ("Nutrilon", "Nutrilon", "NL"), ("Тёма", "Tyoma", "RU"), ("Бабушкино лукошко", "Babushkino Lukoshko", "RU"),
    ("Pampers", "Pampers", "US"), ("Huggies", "Huggies", "US"), ("Merries", "Merries", "JP"),
    ("Libero", "Libero", "SE"), ("Mepsi", "Mepsi", "RU"), ("LEGO", "LEGO", "DK"), ("Hasbro", "Hasbro", "US"),
    ("Mattel", "Mattel", "US"), ("Полесье", "Polesye", "BY"), ("Играем вместе", "Igrayem Vmeste", "RU"),
    ("Десятое королевство", "Desyatoye Korolevstvo", "RU"),
    # electronics
    ("Samsung", "Samsung", "KR"), ("LG", "LG", "KR"), ("Sony", "Sony", "JP"), ("Xiaomi", "Xiaomi", "CN"),
    ("Hisense", "Hisense", "CN"), ("TCL", "TCL", "CN"), ("Haier", "Haier", "CN"), ("Apple", "Apple", "US"),
    ("Honor", "Honor", "CN"), ("realme", "realme", "CN"), ("Tecno", "Tecno", "CN"), ("JBL", "JBL", "US"),
    ("Яндекс", "Yandex", "RU"), ("Marshall", "Marshall", "GB"), ("Huawei", "Huawei", "CN"),
    ("Edifier", "Edifier", "CN"), ("Philips", "Philips", "NL"), ("Bosch", "Bosch", "DE"),
    ("Redmond", "Redmond", "RU"), ("Polaris", "Polaris", "RU"), ("Tefal", "Tefal", "FR"),
    ("Kitfort", "Kitfort", "RU"), ("Braun", "Braun", "DE"), ("De'Longhi", "De'Longhi", "IT"),
    ("Duracell", "Duracell", "US"), ("GP", "GP", "HK"), ("Energizer", "Energizer", "US"),
    ("Ugreen", "Ugreen", "CN"), ("Baseus", "Baseus", "CN"), ("Defender", "Defender", "RU"),
    # clothing
    ("Befree", "Befree", "RU"), ("Gloria Jeans", "Gloria Jeans", "RU"), ("O'STIN", "O'STIN", "RU"),
    ("Zolla", "Zolla", "RU"), ("Sela", "Sela", "RU"), ("Finn Flare", "Finn Flare", "FI"),
    ("Columbia", "Columbia", "US"), ("Outventure", "Outventure", "RU"), ("Baon", "Baon", "RU"),
    ("Conte", "Conte", "BY"), ("Omsa", "Omsa", "IT"), ("Гамма", "Gamma", "RU"),
    ("Брестские", "Brestskiye", "BY"), ("Acoola", "Acoola", "RU"), ("Crockid", "Crockid", "RU"),
    ("PlayToday", "PlayToday", "RU"),
    # home
    ("Luminarc", "Luminarc", "FR"), ("Pasabahce", "Pasabahce", "TR"), ("Tescoma", "Tescoma", "CZ"),
    ("Attribute", "Attribute", "RU"), ("Ломоносовский фарфор", "Lomonosov Porcelain", "RU"),
    ("Fissman", "Fissman", "DK"), ("Togas", "Togas", "GR"), ("Cleanelly", "Cleanelly", "RU"),
    ("Sofi de Marko", "Sofi de Marko", "RU"), ("Василиса", "Vasilisa", "RU"),
    ("Ивановский текстиль", "Ivanovo Textile", "RU"), ("Gardena", "Gardena", "DE"),
    ("Palisad", "Palisad", "RU"), ("Fiskars", "Fiskars", "FI"), ("Гавриш", "Gavrish", "RU"),
    # books
    ("Эксмо", "Eksmo", "RU"), ("АСТ", "AST", "RU"), ("Азбука", "Azbuka", "RU"),
    ("МИФ", "MIF", "RU"), ("Росмэн", "Rosman", "RU"), ("Альпина", "Alpina", "RU"),
)

BRANDS: tuple[Brand, ...] = tuple(
    Brand(f"B{n:03d}", name, latin, country) for n, (name, latin, country) in enumerate(_TABLE, 1)
)
BY_NAME: dict[str, Brand] = {b.name: b for b in BRANDS}
