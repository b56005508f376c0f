"""Django's own form messages, as users meet them in Chinese: punctuated as Chinese is written."""

import re

from django import forms
from django.utils import translation


class _Form(forms.Form):
    text = forms.CharField(max_length=3, min_length=2)
    number = forms.DecimalField(max_digits=4, decimal_places=1)
    upload = forms.FileField(max_length=5, required=False)


def test_djangos_form_messages_read_in_chinese_with_chinese_punctuation():
    from django.core.files.uploadedfile import SimpleUploadedFile

    with translation.override("zh-hans"):
        long = _Form({"text": "abcdef", "number": "123456"}, {"upload": SimpleUploadedFile("abcdefgh.txt", b"x")})
        short = _Form({"text": "a", "number": "1.25"})
        errors = [str(e) for form in (long, short) if not form.is_valid() for es in form.errors.values() for e in es]
    assert "请控制在 3 个字以内（现为 6 个字）。" in errors
    assert "请至少输入 2 个字（现为 1 个字）。" in errors
    assert "数字总共不能超过 4 位。" in errors and "小数不能超过 1 位。" in errors
    assert "文件名不能超过 5 个字（现为 12 个字）。" in errors
    assert not [e for e in errors if re.search(r"[\u4e00-\u9fff] ?[(.]|\) ?[\u4e00-\u9fff]", e)]
