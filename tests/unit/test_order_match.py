"""parsers.order_match: which orders and products a text names, in a small home-goods order book of our own.

The book (also used by test_tags.py):
- PO-31007 (open, Northwind): red ceramic mugs (红杯) and grey bath towels (灰毛巾)
- PO#8820 (open, Brightway): black LED desk lamps (黑台灯, "the black lamp")
- 4500012345 (closed, Northwind): the same red mugs, an earlier run
- HX-2026-0042 (open, Brightway): the same grey bath towels
- PO-31500 (open, Northwind): white stoneware vases (白花瓶); 31507 is one edit from both 31007 and 31500
"""
from __future__ import annotations

import pytest

from parsers.orderbook import OrderBook, parse_contacts, parse_orders

MUGS, LAMPS, OLD_MUGS, TOWELS, VASES = "PO-31007", "PO#8820", "4500012345", "HX-2026-0042", "PO-31500"
RED_MUG, GREY_TOWEL, BLACK_LAMP, WHITE_VASE = "MUG-350-RED", "TWL-70-GRY", "LMP-BLK-01", "VAS-20-WHT"

ORDERS = {"orders": [
    {"po": MUGS, "buyer": "Northwind Home Ltd (UK)", "factory": "Liling Ceramics", "status": "open",
     "skus": [{"sku": RED_MUG, "description": "ceramic mug 350ml red / 红杯", "qty": 3000},
              {"sku": GREY_TOWEL, "description": "bath towel 70x140 grey / 灰毛巾", "qty": 1200}],
     "milestones": {"po_lock": "2026-05-10", "final_inspection": "2026-07-01"}},
    {"po": LAMPS, "buyer": "Brightway Lighting Inc (US)", "factory": "Zhongshan Lamps", "status": "open",
     "skus": [{"sku": BLACK_LAMP, "description": "LED desk lamp black / 黑台灯", "qty": 800,
               "nicknames": ["the black lamp"]}],
     "milestones": {"po_lock": "2026-05-15"}},
    {"po": OLD_MUGS, "buyer": "Northwind Home Ltd (UK)", "factory": "Liling Ceramics", "status": "closed",
     "skus": [{"sku": RED_MUG, "description": "ceramic mug 350ml red / 红杯", "qty": 1500}],
     "milestones": {"po_lock": "2025-11-01"}},
    {"po": TOWELS, "buyer": "Brightway Lighting Inc (US)", "factory": "Gaoyang Towels", "status": "open",
     "skus": [{"sku": GREY_TOWEL, "description": "bath towel 70x140 grey / 灰毛巾", "qty": 2000}],
     "milestones": {"po_lock": "2026-06-01"}},
    {"po": VASES, "buyer": "Northwind Home Ltd (UK)", "factory": "Liling Ceramics", "status": "open",
     "skus": [{"sku": WHITE_VASE, "description": "stoneware vase 20cm white / 白花瓶", "qty": 600}],
     "milestones": {"po_lock": "2026-05-20"}},
]}

# contact ids
MUG_FACTORY, LAMP_FACTORY, AGENT, UK_BUYER, US_BUYER, INSPECTOR = (
    "wang.fang", "chen.jie", "lucy.zhao", "oliver.bennett", "amy.ross", "sun.wei")

CONTACTS = {"contacts": [
    {"id": MUG_FACTORY, "name": "王芳", "role": "factory", "timezone": "Asia/Shanghai", "language": "zh",
     "orders": [MUGS, OLD_MUGS, VASES]},
    {"id": LAMP_FACTORY, "name": "陈杰", "role": "factory", "timezone": "Asia/Shanghai", "language": "zh",
     "orders": [LAMPS, TOWELS]},
    {"id": AGENT, "name": "Lucy Zhao", "role": "agent", "timezone": "Asia/Shanghai", "language": "en",
     "orders": [MUGS, LAMPS, OLD_MUGS, TOWELS, VASES]},
    {"id": UK_BUYER, "name": "Oliver Bennett", "role": "buyer", "timezone": "Europe/London", "language": "en",
     "orders": [MUGS, VASES, OLD_MUGS]},
    {"id": US_BUYER, "name": "Amy Ross", "role": "buyer", "timezone": "America/New_York", "language": "en",
     "orders": [LAMPS, TOWELS]},
    {"id": INSPECTOR, "name": "孙伟", "role": "inspector", "timezone": "Asia/Shanghai", "language": "zh",
     "orders": []},
]}

BOOK = OrderBook.of(parse_orders(ORDERS), parse_contacts(CONTACTS))


def named_pos(text: str) -> list[set[str]]:
    """The POs each mention in the text could be, in order."""
    return [set(m.pos) for m in BOOK.index.po_mentions(text)]


def named_lines(text: str) -> list[set[tuple[str, str]]]:
    """The (po, sku) lines each product mention in the text could be, in order."""
    return [set(m) for m in BOOK.index.product_mentions(text)]


# -- purchase orders -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["PO-31007", "PO31007", "PO 31007", "po31007", "31007", "PO：31007", "order 31007"])
def test_every_common_way_of_writing_po_31007_names_it(text):
    assert named_pos(text) == [{MUGS}]


@pytest.mark.parametrize("text", ["PO#8820", "PO 8820", "#8820", "8820"])
def test_a_four_digit_po_written_with_or_without_its_hash_is_named(text):
    assert named_pos(text) == [{LAMPS}]


def test_the_last_five_digits_of_a_ten_digit_po_name_it():
    assert named_pos("12345 mugs") == [{OLD_MUGS}]


def test_a_ten_digit_po_written_in_full_names_it():
    assert named_pos("4500012345") == [{OLD_MUGS}]


@pytest.mark.parametrize("text", ["HX0042", "HX-0042", "HX 0042", "HX-2026-0042"])
def test_a_lettered_po_is_named_by_its_short_form(text):
    assert named_pos(text) == [{TOWELS}]


def test_a_one_edit_typo_of_one_po_names_it_as_a_fuzzy_mention():
    mentions = BOOK.index.po_mentions("PO 31070 mugs")  # 0 and 7 swapped
    assert [set(m.pos) for m in mentions] == [{MUGS}]
    assert mentions[0].fuzzy


def test_an_exact_po_is_not_a_fuzzy_mention():
    assert not BOOK.index.po_mentions("PO 31007")[0].fuzzy


def test_a_po_typo_one_edit_from_two_orders_names_both_as_candidates():
    assert named_pos("PO 31507") == [{MUGS, VASES}]


def test_a_four_digit_number_one_edit_from_a_po_is_not_a_typo_without_a_po_prefix():
    assert named_pos("8802") == []


def test_two_pos_in_one_text_are_two_mentions_in_order():
    assert named_pos("PO31007/PO31500") == [{MUGS}, {VASES}]


@pytest.mark.parametrize("text", [
    "3,000 pcs", "1200套", "8820 pcs", "8,820 pcs", "12345套", "31007套", "8820件", "8820 sets",  # quantities
    "USD 380", "USD 8820", "$8820", "RMB8820", "¥8820", "8820元",  # prices
    "2026-07-10", "10:30", "31007.5",  # dates, times, decimals
    "TGHU8812345",  # a container number
    "2955C", "Pantone 8820C", "colour 31007C",  # colour codes
])
def test_quantities_prices_dates_and_codes_never_name_an_order(text):
    assert named_pos(text) == []


def test_a_po_next_to_a_quantity_is_named_and_the_quantity_is_not():
    assert named_pos("PO-31007 3,000 pcs packed, 1200套 left") == [{MUGS}]


# -- products ------------------------------------------------------------------------------------------------


def test_an_sku_code_names_its_order_line():
    assert named_lines("LMP-BLK-01 assembly started") == [{(LAMPS, BLACK_LAMP)}]


def test_an_sku_code_is_found_in_any_case():
    assert named_lines("lmp-blk-01 done") == [{(LAMPS, BLACK_LAMP)}]


def test_a_chinese_nickname_names_its_line():
    assert named_lines("黑台灯开始组装了") == [{(LAMPS, BLACK_LAMP)}]


def test_the_tail_of_a_chinese_nickname_names_the_same_kind_of_thing():
    assert named_lines("台灯组装完成") == [{(LAMPS, BLACK_LAMP)}]


@pytest.mark.parametrize("text", ["the black lamps are assembled", "black lamp done", "lamps done"])
def test_an_english_phrase_in_singular_or_plural_names_the_lamp(text):
    assert named_lines(text) == [{(LAMPS, BLACK_LAMP)}]


def test_red_mugs_name_the_mug_line_of_the_open_and_of_the_closed_order():
    # choosing the open order is the tagger's job (see test_tags.py); the index reports every line
    assert named_lines("red mugs glazing done") == [{(MUGS, RED_MUG), (OLD_MUGS, RED_MUG)}]


def test_a_product_in_two_open_orders_names_both_lines():
    assert named_lines("灰毛巾开始车缝了") == [{(MUGS, GREY_TOWEL), (TOWELS, GREY_TOWEL)}]
    assert named_lines("grey towels sewing started") == [{(MUGS, GREY_TOWEL), (TOWELS, GREY_TOWEL)}]


def test_two_products_are_two_mentions():
    assert named_lines("mugs and lamps") == [{(LAMPS, BLACK_LAMP)}, {(MUGS, RED_MUG), (OLD_MUGS, RED_MUG)}]


def test_a_text_without_a_product_names_none():
    assert named_lines("loading done, container sealed") == []


# -- buyers --------------------------------------------------------------------------------------------------


def test_a_buyer_name_stands_for_its_open_orders_only():
    assert BOOK.index.buyer_mentions("Northwind wants the update") == {MUGS, VASES}
    assert BOOK.index.buyer_mentions("for Brightway") == {LAMPS, TOWELS}


def test_a_lower_case_word_is_not_a_buyer_name():
    assert BOOK.index.buyer_mentions("the brightway of doing it") == set()
