def test_brand_creates_and_publishes_campaign(make_brand, make_campaign):
    brand = make_brand()
    campaign = make_campaign(brand, state="published")
    assert campaign["status"] == "published"
    listed = brand.get("/api/v1/campaigns").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == campaign["id"]
