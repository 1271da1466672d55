"""The default taxonomy: 19 categories and 150 interest tags, a superset of the vocabulary the
platform started with (14 categories, 24 tags), so every stored profile stays valid.

Plain data, read by migration 0008 and by ``seed_default_taxonomy`` (``flask taxonomy seed``).
Append to it; never rename or drop a slug (stored profiles use them): retire it instead.
"""

from __future__ import annotations

# slug: {language: display name}
CATEGORIES: dict[str, dict[str, str]] = {
    "beauty": {"en": "Beauty", "de": "Beauty", "zh": "美妆"},
    "skincare": {"en": "Skincare", "de": "Hautpflege", "zh": "护肤"},
    "fashion": {"en": "Fashion", "de": "Mode", "zh": "时尚"},
    "food": {"en": "Food & drink", "de": "Essen & Trinken", "zh": "美食"},
    "travel": {"en": "Travel", "de": "Reisen", "zh": "旅行"},
    "fitness": {"en": "Fitness", "de": "Fitness", "zh": "健身"},
    "wellness": {"en": "Wellness", "de": "Wohlbefinden", "zh": "健康"},
    "parenting": {"en": "Parenting", "de": "Familie", "zh": "母婴"},
    "tech": {"en": "Tech", "de": "Technik", "zh": "科技"},
    "home": {"en": "Home & living", "de": "Wohnen", "zh": "家居"},
    "pets": {"en": "Pets", "de": "Haustiere", "zh": "萌宠"},
    "gaming": {"en": "Gaming", "de": "Gaming", "zh": "游戏"},
    "finance": {"en": "Money & finance", "de": "Finanzen", "zh": "理财"},
    "outdoors": {"en": "Outdoors", "de": "Draußen", "zh": "户外"},
    "culture": {"en": "Arts & culture", "de": "Kunst & Kultur", "zh": "文化艺术"},
    "sports": {"en": "Sports", "de": "Sport", "zh": "运动"},
    "auto": {"en": "Cars & mobility", "de": "Auto & Mobilität", "zh": "汽车出行"},
    "education": {"en": "Learning & careers", "de": "Lernen & Beruf", "zh": "学习职场"},
    "sustainability": {"en": "Sustainable living", "de": "Nachhaltig leben", "zh": "可持续生活"},
}

# category: [(slug, English name)]; the first 24 slugs below include every original tag.
_TAGS: dict[str, list[tuple[str, str]]] = {
    "beauty": [
        ("beauty", "Beauty"), ("makeup", "Makeup"), ("fragrance", "Fragrance"),
        ("haircare", "Hair care"), ("nails", "Nails"), ("clean-beauty", "Clean beauty"),
        ("mens-grooming", "Men's grooming"), ("k-beauty", "K-beauty"),
    ],
    "skincare": [
        ("skincare", "Skincare"), ("acne-care", "Acne care"), ("anti-aging", "Anti-ageing"),
        ("sun-care", "Sun care"), ("sensitive-skin", "Sensitive skin"),
        ("body-care", "Body care"),
    ],
    "fashion": [
        ("fashion", "Fashion"), ("streetwear", "Streetwear"), ("sneakers", "Sneakers"),
        ("luxury-fashion", "Luxury fashion"), ("vintage-fashion", "Vintage fashion"),
        ("accessories", "Accessories"), ("jewellery", "Jewellery"),
        ("modest-fashion", "Modest fashion"), ("plus-size-fashion", "Plus-size fashion"),
        ("bridal", "Bridal"),
    ],
    "food": [
        ("food", "Food"), ("cooking", "Cooking"), ("coffee", "Coffee"), ("baking", "Baking"),
        ("vegan", "Vegan food"), ("restaurants", "Restaurants"), ("street-food", "Street food"),
        ("tea", "Tea"), ("wine", "Wine"), ("craft-beer", "Craft beer"),
        ("meal-prep", "Meal prep"), ("desserts", "Desserts"), ("healthy-eating", "Healthy eating"),
        ("cocktails", "Cocktails"),
    ],
    "travel": [
        ("travel", "Travel"), ("city-breaks", "City breaks"), ("backpacking", "Backpacking"),
        ("luxury-travel", "Luxury travel"), ("family-travel", "Family travel"),
        ("road-trips", "Road trips"), ("hotels", "Hotels"), ("beach-holidays", "Beach holidays"),
        ("solo-travel", "Solo travel"),
    ],
    "fitness": [
        ("fitness", "Fitness"), ("yoga", "Yoga"), ("running", "Running"),
        ("strength-training", "Strength training"), ("pilates", "Pilates"),
        ("home-workouts", "Home workouts"), ("cycling", "Cycling"), ("hiit", "HIIT"),
    ],
    "wellness": [
        ("wellness", "Wellness"), ("mindfulness", "Mindfulness"), ("sleep", "Sleep"),
        ("mental-health", "Mental health"), ("nutrition", "Nutrition"),
        ("supplements", "Supplements"), ("self-care", "Self-care"),
    ],
    "parenting": [
        ("parenting", "Parenting"), ("pregnancy", "Pregnancy"), ("baby-care", "Baby care"),
        ("toddlers", "Toddlers"), ("kids-activities", "Kids' activities"),
        ("family-life", "Family life"),
    ],
    "tech": [
        ("tech", "Tech"), ("gadgets", "Gadgets"), ("smartphones", "Smartphones"),
        ("laptops", "Laptops"), ("smart-home", "Smart home"), ("audio", "Audio & headphones"),
        ("wearables", "Wearables"), ("software", "Apps & software"), ("ai", "AI tools"),
        ("camera-gear", "Camera gear"),
    ],
    "home": [
        ("home", "Home"), ("interior", "Interior design"), ("diy", "DIY"),
        ("gardening", "Gardening"), ("organising", "Organising"), ("cleaning", "Cleaning"),
        ("small-spaces", "Small spaces"), ("kitchenware", "Kitchenware"), ("crafts", "Crafts"),
    ],
    "pets": [
        ("pets", "Pets"), ("dogs", "Dogs"), ("cats", "Cats"), ("pet-food", "Pet food"),
        ("pet-training", "Pet training"), ("small-pets", "Small pets"),
    ],
    "gaming": [
        ("gaming", "Gaming"), ("pc-gaming", "PC gaming"), ("console-gaming", "Console gaming"),
        ("mobile-gaming", "Mobile games"), ("esports", "Esports"),
        ("board-games", "Board games"), ("cosplay", "Cosplay"),
    ],
    "finance": [
        ("finance", "Personal finance"), ("investing", "Investing"), ("budgeting", "Budgeting"),
        ("crypto", "Crypto"), ("real-estate", "Real estate"), ("side-hustles", "Side hustles"),
    ],
    "outdoors": [
        ("outdoors", "Outdoors"), ("hiking", "Hiking"), ("camping", "Camping"),
        ("climbing", "Climbing"), ("skiing", "Skiing"), ("surfing", "Surfing"),
        ("fishing", "Fishing"),
    ],
    "culture": [
        ("books", "Books"), ("music", "Music"), ("photography", "Photography"),
        ("film", "Film & TV"), ("art", "Art"), ("design", "Design"), ("anime", "Anime"),
        ("theatre", "Theatre"), ("museums", "Museums"), ("podcasts", "Podcasts"),
        ("comics", "Comics"), ("dance", "Dance"),
    ],
    "sports": [
        ("football", "Football"), ("basketball", "Basketball"), ("tennis", "Tennis"),
        ("golf", "Golf"), ("martial-arts", "Martial arts"), ("swimming", "Swimming"),
        ("motorsport", "Motorsport"),
    ],
    "auto": [
        ("cars", "Cars"), ("electric-vehicles", "Electric vehicles"),
        ("motorcycles", "Motorcycles"), ("e-bikes", "E-bikes"), ("car-care", "Car care"),
    ],
    "education": [
        ("languages", "Languages"), ("study-tips", "Study tips"), ("careers", "Careers"),
        ("productivity", "Productivity"), ("entrepreneurship", "Entrepreneurship"),
        ("coding", "Coding"),
    ],
    "sustainability": [
        ("sustainability", "Sustainability"), ("zero-waste", "Zero waste"),
        ("second-hand", "Second-hand"), ("ethical-fashion", "Ethical fashion"),
        ("plant-based", "Plant-based living"), ("renewable-energy", "Renewable energy"),
        ("upcycling", "Upcycling"),
    ],
}  # fmt: skip

# slug -> (category, {language: name})
TAGS: dict[str, tuple[str, dict[str, str]]] = {
    slug: (category, {"en": name}) for category, tags in _TAGS.items() for slug, name in tags
}
